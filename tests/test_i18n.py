"""Bahasa Indonesia by default, English on request, and a complete Indonesian catalog.

The catalog lives in translations/ and is rebuilt with scripts/i18n (our strings + Flask-AppBuilder's
+ WTForms'); FAB prepends its own translations directory, which has no 'id' catalog, so ours is used."""
import os

import pytest
from babel.messages.pofile import read_po

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CATALOGS = os.path.join(ROOT, "translations")


def _read(locale):
    with open(os.path.join(CATALOGS, locale, "LC_MESSAGES", "messages.po"), "rb") as fh:
        return read_po(fh, locale=locale)


def test_login_page_is_indonesian_by_default(client):
    r = client.get("/login/")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    for text in ("Nama Pengguna", "Kata Sandi", "Masuk", "Masukkan nama pengguna dan kata sandi"):
        assert text in html, text
    for text in ("Username", "Password", "Sign In", "Enter your login"):
        assert text not in html, text


def test_english_is_selectable(client):
    r = client.get("/lang/en")
    assert r.status_code in (302, 303)
    html = client.get("/login/").get_data(as_text=True)
    assert "Username" in html and "Password" in html and "Sign In" in html
    assert "Nama Pengguna" not in html
    client.get("/lang/id")
    assert "Nama Pengguna" in client.get("/login/").get_data(as_text=True)


def test_wrong_password_flash_is_indonesian(client):
    from tests.conftest import PASSWORD

    r = client.post("/login/", data={"username": "opd_a", "password": PASSWORD + "x"}, follow_redirects=True)
    html = r.get_data(as_text=True)
    assert "Gagal masuk" in html
    assert "Invalid login" not in html


def test_indonesian_catalog_is_complete():
    catalog = _read("id")
    assert str(catalog.locale) == "id"
    untranslated = [m.id for m in catalog if m.id and not (all(m.string) if m.pluralizable else m.string)]
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    assert not untranslated, f"untranslated (run scripts/i18n, then translate): {untranslated}"
    assert not fuzzy, f"fuzzy translations to review: {fuzzy}"
    assert len(catalog) > 300  # our strings plus FAB's own


@pytest.mark.parametrize("locale", ["id", "en"])
def test_compiled_catalogs_are_current(locale):
    """The committed .mo matches the .po (a clean clone needs no build step)."""
    from babel.support import Translations

    catalog = _read(locale)
    translations = Translations.load(CATALOGS, [locale])
    assert translations.files, f"translations/{locale}/LC_MESSAGES/messages.mo is missing"
    for message in catalog:
        if message.id and not message.pluralizable and message.string:
            assert translations.gettext(message.id) == message.string, message.id


def test_placeholders_are_kept():
    import re

    placeholder = re.compile(r"%\([a-z_]+\)[sd]|%[sd]")
    for message in _read("id"):
        if not message.id or not message.python_format:
            continue
        ids = message.id if message.pluralizable else (message.id,)
        strings = message.string if message.pluralizable else (message.string,)
        expected = set(placeholder.findall(ids[-1]))
        for string in strings:
            assert set(placeholder.findall(string)) == expected, (message.id, string)


def test_api_error_is_indonesian_by_default(api):
    r = api("opd_a").post("/api/v1/innovation/", json={"competition_id": 999999, "title": "Inovasi Uji"})
    assert r.status_code == 422, r.get_json()
    body = r.get_json()
    assert body["message"] == {"competition_id": ["Kompetisi tidak dikenal."]}


def test_workflow_guard_reason_is_indonesian(api, competition):
    opd = api("opd_a")
    r = opd.post("/api/v1/innovation/", json={"competition_id": competition, "title": "Inovasi Uji"})
    assert r.status_code == 201, r.get_json()
    r = api("sekretariat").post(f"/api/v1/innovation/{r.get_json()['id']}/transitions/verify", json={})
    assert r.status_code == 409, r.get_json()
    assert "tidak dapat dilakukan dari status" in r.get_json()["message"]


def test_api_language_can_be_chosen_per_request(api):
    """FAB's locale selector honours ?_l_=<locale> (API clients have no session)."""
    r = api("opd_a").post("/api/v1/innovation/?_l_=en", json={"competition_id": 999999, "title": "Inovasi Uji"})
    assert r.status_code == 422, r.get_json()
    assert r.get_json()["message"] == {"competition_id": ["Unknown competition."]}
