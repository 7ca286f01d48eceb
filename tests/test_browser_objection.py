"""A real browser (Chromium via Playwright): a member of the public objects on /pengumuman/ with the form, the
Sekretariat answers on its objection screen, and the answer appears on /pengumuman/ (without the objector's
e-mail address)."""
import pytest

from app.extensions import db
from app.models import Innovation, Objection
from tests.conftest import PASSWORD
from tests.test_announcements import juror, one_round  # noqa: F401

pytestmark = pytest.mark.browser

EMAIL = "warga.penyanggah@example.org"


def test_public_objection_form_and_published_answer(app, api, live_server, browser_page, competition, juror):  # noqa: F811
    r1, ids = one_round(app, api, competition)
    assert api("sekretariat").post(f"/api/v1/round/{r1}/announce").status_code == 201
    page = browser_page
    errors = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)

    page.goto(f"{live_server}/pengumuman/")
    assert page.locator("table.announced-results tr[data-innovation]").count() == 3
    assert "Sanggahan dapat diajukan sampai" in page.content()
    form = page.locator(f"#objection-form-{r1}")
    form.locator("select[name=innovation_id]").select_option(str(ids[1]))
    form.locator("input[name=name]").fill("Warga Buduran")
    form.locator("input[name=email]").fill(EMAIL)
    form.locator("textarea[name=text]").fill("Data jumlah pengguna layanan pada proposal tidak sesuai kenyataan.")
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    outcome = page.locator("#objection-outcome")
    assert "Sanggahan Anda diterima dengan nomor" in outcome.inner_text()
    assert "1 sanggahan menunggu jawaban" in page.content()
    with app.app_context():
        objection = db.session.query(Objection).one()
        assert (objection.innovation_id, objection.email, objection.state) == (ids[1], EMAIL, "open")
        oid = objection.id

    # the Sekretariat answers on its screen
    page.goto(f"{live_server}/login/")
    page.fill("#username", "sekretariat")
    page.fill("#password", PASSWORD)
    page.click("[type=submit]")
    page.wait_for_load_state()
    page.goto(f"{live_server}/objections/list/")
    assert "Warga Buduran" in page.content()
    page.goto(f"{live_server}/objections/show/{oid}")
    assert EMAIL in page.content()
    dismiss = page.locator("form.wf-fire-form", has=page.locator("button[data-trigger=dismiss]"))
    dismiss.locator("textarea[name=comment]").fill("Data telah diperiksa ulang bersama unit: sesuai dengan laporan.")
    dismiss.locator("button[data-trigger=dismiss]").click()
    page.wait_for_load_state()
    assert page.locator(".wf-panel .wf-state").get_attribute("data-state") == "dismissed"
    page.goto(f"{live_server}/logout/")
    page.wait_for_load_state()

    # the answer is public; the e-mail address and the name are not
    page.goto(f"{live_server}/pengumuman/")
    answer = page.locator(f".objection-answer[data-objection='{oid}']")
    assert "Data telah diperiksa ulang bersama unit" in answer.inner_text()
    assert "Ditolak" in answer.inner_text()
    assert EMAIL not in page.content() and "Warga Buduran" not in page.content()
    assert page.locator("form.objection-form").count() == 1  # the window still runs
    with app.app_context():
        assert db.session.get(Innovation, ids[1]).state == "scored"
    assert not [e for e in errors if "Content Security Policy" in e], errors
