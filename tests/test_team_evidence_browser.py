"""A real browser (Chromium via Playwright) walks issue 12's OPD journey: the unit enters its innovator team with the
row editor (static/js/sikipp.js, no inline script), is told which evidence kinds are still missing, uploads typed
evidence choosing the kind, then submits."""
import pytest

from app.extensions import db
from app.models import Attachment, Innovation
from tests.conftest import PASSWORD
from tests.pdfs import blank_pdf
from tests.test_proposals import complete_body
from tests.test_team_evidence import KINDS, NIP

pytestmark = pytest.mark.browser


def test_opd_enters_team_uploads_typed_evidence_and_submits(app, api, live_server, browser_page, competition,
                                                             tmp_path):
    assert api("sekretariat").put(f"/api/v1/competition/{competition}",
                                  json={"evidence_kinds": KINDS}).status_code == 200
    pk = api("opd_a").post("/api/v1/innovation/", json=complete_body(competition, "IREBON")).get_json()["id"]
    sk, proof = tmp_path / "sk-tim.pdf", tmp_path / "bukti.pdf"
    sk.write_bytes(blank_pdf())
    proof.write_bytes(blank_pdf(2))
    errors = []
    page = browser_page
    page.on("pageerror", lambda err: errors.append(str(err)))
    page.on("console", lambda msg: errors.append(msg.text) if "Content Security Policy" in msg.text else None)

    page.goto(f"{live_server}/login/")
    page.fill("#username", "opd_a")
    page.fill("#password", PASSWORD)
    page.click("[type=submit]")
    page.wait_for_load_state()
    page.goto(f"{live_server}/innovationview/show/{pk}")

    # The team: one empty row to start with; "Tambah anggota" adds another (the script), both are saved.
    rows = page.locator(".sikipp-team-form .team-row")
    assert rows.count() == 1
    rows.nth(0).locator("input[name=team-name]").fill("Ratna Kusumawardani")
    rows.nth(0).locator("input[name=team-nip]").fill("19800101 200501 1 001")
    rows.nth(0).locator("input[name=team-position]").fill("Kepala Seksi Layanan")
    rows.nth(0).locator("input[name=team-role]").fill("Ketua")
    page.click("[data-team-add]")
    assert rows.count() == 2
    rows.nth(1).locator("input[name=team-name]").fill("Budi Santoso")
    rows.nth(1).locator("input[name=team-position]").fill("Tenaga kontrak")
    rows.nth(1).locator("input[name=team-role]").fill("Anggota")
    rows.nth(1).locator("input[name=team-contact]").fill("0812-3456-7890")
    page.click(".sikipp-team-form [type=submit]")
    page.wait_for_load_state()
    with app.app_context():
        team = db.session.get(Innovation, pk).team
    assert [m["name"] for m in team] == ["Ratna Kusumawardani", "Budi Santoso"]
    assert team[0]["nip"] == NIP and team[1]["contact"] == "0812-3456-7890"
    assert page.locator(".sikipp-team-form .team-row").count() == 3  # the two members and an empty row

    # Submitting is blocked, naming each required kind still missing.
    blocked = page.locator(".wf-blocked[data-blocked-trigger=submit]")
    assert blocked.count() == 1
    reasons = page.locator(".wf-blocked-list").inner_text()
    assert "SK tim inovasi" in reasons and "Bukti implementasi" in reasons

    # Typed uploads: pick the kind, then the file.
    for kind, path in (("sk_tim", sk), ("bukti_implementasi", proof)):
        page.select_option("form.sikipp-upload select[name=kind]", kind)
        page.set_input_files("form.sikipp-upload input[name=file]", str(path))
        page.click("form.sikipp-upload [type=submit]")
        page.wait_for_load_state()
    kinds = page.locator(".attachment-row .attachment-kind")
    assert sorted(kinds.nth(i).get_attribute("data-kind") for i in range(kinds.count())) == \
        ["bukti_implementasi", "sk_tim"]
    assert "SK tim inovasi" in page.locator(".sikipp-attachments").inner_text()
    with app.app_context():
        assert sorted(a.kind for a in db.session.query(Attachment).filter_by(innovation_id=pk)) == \
            ["bukti_implementasi", "sk_tim"]

    assert page.locator(".wf-blocked[data-blocked-trigger=submit]").count() == 0, \
        page.locator(".wf-blocked-list").inner_text()
    page.click("button.wf-trigger[data-trigger=submit]")
    page.wait_for_load_state()
    assert page.locator(".wf-panel .wf-state").get_attribute("data-state") == "submitted"
    with app.app_context():
        assert db.session.get(Innovation, pk).state == "submitted"
    # Once submitted the team is read-only: shown, no editor.
    assert page.locator(".sikipp-team-form").count() == 0
    assert "Ratna Kusumawardani" in page.locator(".sikipp-team").inner_text()
    assert not errors, errors
