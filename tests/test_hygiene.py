"""Headers and hygiene (issue 13 item 6): a Content-Security-Policy whose script rule allows only our own files
and the request's nonce (every inline script on our pages carries it; no event-handler attributes), HSTS only
over HTTPS, no caching of JSON and documents, bidi control characters refused in file names and titles,
database refusals answered in words (never the database's text), typed bulk bodies."""
import io
import re

import pytest

from tests.conftest import PASSWORD, Api
from tests.judging_helpers import rounds_of
from tests.pdfs import blank_pdf

BIDI = ["\u202e", "\u202a", "\u202d", "\u2066", "\u2069", "\u200e", "\u200f"]
_SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script>", re.S | re.I)
_HANDLER = re.compile(r"<[^>]+\son(click|change|submit|load|error|input|mouseover|focus)\s*=", re.I)


def _screen(app, username):
    client = app.test_client()
    assert client.post("/login/", data={"username": username, "password": PASSWORD}).status_code == 302
    return client


def _nonce(response):
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
    assert "object-src 'none'" in policy and "frame-ancestors 'self'" in policy
    match = re.search(r"'nonce-([^']+)'", policy)
    return match.group(1) if match else None


@pytest.fixture
def draft(api, competition):
    return api("opd_a").post("/api/v1/innovation/", json={"competition_id": competition, "title": "SIPRAJA"}) \
        .get_json()["id"]


def test_every_inline_script_carries_the_nonce_and_no_page_has_event_handler_attributes(app, api, competition,
                                                                                          draft):
    rnd = None
    with app.app_context():
        rnd = rounds_of(competition)[0].id
    pages = {"opd_a": ["/", "/innovationview/list/", "/innovationview/add", f"/innovationview/show/{draft}",
                       f"/innovationview/edit/{draft}", "/users/userinfo/", "/resetmypassword/form"],
             "sekretariat": ["/", "/competitionview/list/", "/unitview/list/", "/judging/",
                             f"/judging/progress/{rnd}", "/documents/", "/participation/",
                             f"/participation/{competition}/", "/auditlogview/list/"],
             "juri1": ["/scoresheets/"], "admin": ["/users/list/", "/swagger/v1"]}
    anonymous = app.test_client()
    checked = 0
    for path in ["/login/", "/catalogue/", "/verify"]:
        checked += _check_page(anonymous, path)
    for user, paths in pages.items():
        screen = _screen(app, user)
        for path in paths:
            checked += _check_page(screen, path)
    assert checked >= 20


def _check_page(client, path):
    r = client.get(path)
    assert r.status_code == 200, (path, r.status_code)
    nonce = _nonce(r)
    html = r.get_data(as_text=True)
    for attrs, body in _SCRIPT.findall(html):
        if "src=" in attrs or 'type="application/json"' in attrs:
            continue
        assert nonce and f'nonce="{nonce}"' in attrs, (path, attrs, body[:80])
    assert not _HANDLER.search(html), (path, _HANDLER.search(html).group(0))
    return 1


def test_nonce_changes_per_request_and_json_has_a_policy_too(app, client):
    a, b = client.get("/login/"), client.get("/login/")
    assert _nonce(a) and _nonce(a) != _nonce(b)
    assert "default-src 'self'" in client.get("/healthz").headers["Content-Security-Policy"]


def test_hsts_only_over_https(app, client):
    assert "Strict-Transport-Security" not in client.get("/login/").headers
    r = client.get("/login/", base_url="https://sikipp.example.test")
    assert r.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_json_and_documents_are_not_stored_by_caches(app, api, competition, draft):
    sek = api("sekretariat")
    assert sek.get("/api/v1/competition/").headers["Cache-Control"] == "no-store"
    assert sek.post("/api/v1/competition/", json={}).headers["Cache-Control"] == "no-store"  # errors too
    opd = api("opd_a")
    att = opd.post(f"/api/v1/innovation/{draft}/attachments", data={"file": (io.BytesIO(blank_pdf()), "a.pdf")},
                   content_type="multipart/form-data", json=None).get_json()["result"]["id"]
    pdf = opd.get(f"/api/v1/innovation/{draft}/attachments/{att}")
    assert pdf.mimetype == "application/pdf" and pdf.headers["Cache-Control"] == "no-store"
    xlsx = _screen(app, "sekretariat").get(f"/participation/{competition}/export.xlsx")
    assert xlsx.status_code == 200 and xlsx.headers["Cache-Control"] == "no-store"
    assert "no-store" not in (_screen(app, "opd_a").get("/static/js/sikipp.js").headers.get("Cache-Control") or "")


@pytest.mark.parametrize("char", BIDI)
def test_bidi_controls_are_refused_in_file_names(app, api, draft, char):
    r = api("opd_a").post(f"/api/v1/innovation/{draft}/attachments",
                          data={"file": (io.BytesIO(blank_pdf()), f"laporan{char}fdp.exe.pdf")},
                          content_type="multipart/form-data", json=None)
    assert r.status_code == 422
    assert "arah teks" in r.get_json()["message"]["file"][0]


@pytest.mark.parametrize("char", BIDI)
def test_bidi_controls_are_refused_in_titles(app, api, competition, draft, char):
    opd = api("opd_a")
    r = opd.post("/api/v1/innovation/", json={"competition_id": competition, "title": f"Inovasi {char}Baru"})
    assert r.status_code == 422 and "arah teks" in r.get_json()["message"]["title"][0]
    r = opd.put(f"/api/v1/innovation/{draft}", json={"title": f"SIPRAJA{char}"})
    assert r.status_code == 422 and "arah teks" in r.get_json()["message"]["title"][0]


def test_bidi_title_on_the_screen_is_a_form_error(app, competition):
    from app.extensions import db
    from app.models import Innovation

    screen = _screen(app, "opd_a")
    r = screen.post("/innovationview/add", data={"competition": str(competition), "title": "Uji \u202eBaru"},
                    follow_redirects=True)
    assert r.status_code == 200 and "arah teks" in r.get_data(as_text=True)
    with app.app_context():
        assert db.session.query(Innovation).filter(Innovation.title.like("Uji%")).count() == 0


def _refused(response, field):
    assert response.status_code == 422, response.get_json()
    message = response.get_json()["message"]
    text = " ".join(message[field]) if isinstance(message, dict) else message
    assert "arah teks" in text, message


@pytest.mark.parametrize("char", BIDI)
def test_bidi_controls_are_refused_in_names_printed_on_documents(app, api, competition, char):
    """Unit and competition names, round names: printed on the decree, the berita acara and the piagam."""
    _refused(api("admin").post("/api/v1/unit/", json={"code": "T-BIDI", "name": f"Dinas {char}Uji", "kind": "opd"}),
             "name")
    sek = api("sekretariat")
    _refused(sek.put(f"/api/v1/competition/{competition}", json={"name": f"Kompetisi {char}Inovasi"}), "name")
    with app.app_context():
        round_id = rounds_of(competition)[0].id
    _refused(sek.put(f"/api/v1/round/{round_id}", json={"name": f"Presentasi{char}"}), "name")


def test_bidi_controls_are_refused_in_the_decree_title_on_the_api_and_the_screen(app, client):
    from app.extensions import db
    from app.models import Competition, Decree
    from tests.documents_helpers import draft_decree, seed_awards

    comp, _ = seed_awards(app)
    sek = Api(client, "sekretariat")
    _refused(sek.post("/api/v1/decree/", json={"competition_id": comp, "title": "Penetapan \u202ePemenang"}),
             "title")
    pk = draft_decree(client, comp)
    _refused(sek.put(f"/api/v1/decree/{pk}", json={"title": "Penetapan \u2066Pemenang"}), "title")
    screen = _screen(app, "sekretariat")
    r = screen.post(f"/decreeview/edit/{pk}", data={"title": "Judul \u202eLayar", "considerations": "bahwa uji;",
                                                     "legal_bases": "Undang-Undang uji;"}, follow_redirects=True)
    assert r.status_code == 200 and "arah teks" in r.get_data(as_text=True)
    r = screen.post(f"/competitionview/edit/{comp}", data={"name": "Kompetisi \u202eLayar", "year": "2026"},
                    follow_redirects=True)
    assert r.status_code == 200 and "arah teks" in r.get_data(as_text=True)
    with app.app_context():
        assert "\u202e" not in db.session.get(Decree, pk).title and "\u2066" not in db.session.get(Decree, pk).title
        assert "\u202e" not in db.session.get(Competition, comp).name


def test_database_refusals_never_echo_the_database(app, api):
    sek = api("admin")
    body = {"code": "T-OPD-A", "name": "Kembar", "kind": "opd"}
    r = sek.post("/api/v1/unit/", json=body)
    assert r.status_code == 422
    text = r.get_data(as_text=True)
    for leak in ("UNIQUE", "constraint", "unit.code", "duplicate key", "violates", "INSERT", "psycopg"):
        assert leak not in text, text
    assert r.get_json()["message"] == {"code": ["Nilai code ini sudah dipakai oleh data lain."]}


def test_bulk_transition_bodies_are_typed(app, api, draft):
    opd = api("opd_a")
    url = "/api/v1/innovation/transitions/withdraw"
    for body, field in [({"ids": [draft], "comment": 5}, "comment"), ({"ids": "x"}, "ids"),
                        ({"ids": [draft], "data": "x"}, "data"), ({"ids": [draft], "comment": ["a"]}, "comment"),
                        ({"ids": [True]}, "ids")]:
        r = opd.post(url, json=body)
        assert r.status_code == 422 and field in r.get_json()["message"], (body, r.status_code, r.get_json())
    r = opd.post(f"/api/v1/innovation/{draft}/transitions/withdraw", json={"data": [1]})
    assert r.status_code == 422 and "data" in r.get_json()["message"]
    assert opd.post(url, json=["not an object"]).status_code == 400
    r = opd.post(url, json={"ids": [draft], "comment": "ditarik"})
    assert r.status_code == 200 and r.get_json()["result"][0]["ok"] is True


def test_non_ascii_digits_never_answer_500(app, client):
    """"²".isdigit() is true but int("²") raises: every door that parses an id or a count from text answers 4xx or
    ignores it (text_rules.is_digits), on public pages first."""
    for digits in ("²", "٣", "１"):
        r = client.post("/api/v1/objection/", json={"round_id": digits, "innovation_id": digits, "name": "A",
                                                    "email": "a@example.org", "text": "Keberatan."})
        assert r.status_code in (409, 422), (digits, r.status_code)
        r = client.post("/pengumuman/sanggah", data={"round_id": digits, "innovation_id": digits, "name": "A",
                                                     "email": "a@example.org", "text": "Keberatan."})
        assert r.status_code < 500, (digits, r.status_code)
        assert client.get(f"/pengumuman/?page={digits}").status_code in (200, 400)
        sek, admin = _screen(app, "sekretariat"), _screen(app, "admin")
        assert sek.get(f"/?competition={digits}").status_code == 200
        assert sek.post("/verification/verify_many/1", data={"ids": digits}).status_code < 500
        assert admin.get(f"/sikippuserstatschartview/chart/{digits}").status_code == 404
