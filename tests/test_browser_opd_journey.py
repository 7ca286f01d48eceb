"""A real browser (Chromium via Playwright) walks the OPD journey: log in, create a proposal, attach a
PDF, submit, and see the state change."""
import re

import pytest

from app.extensions import db
from app.models import Attachment, Innovation
from tests.conftest import PASSWORD
from tests.pdfs import blank_pdf

pytestmark = pytest.mark.browser

SECTIONS = ("summary", "background", "novelty", "implementation", "significance", "adaptability", "resources",
            "sustainability")


def test_opd_creates_attaches_and_submits(app, live_server, browser_page, competition, tmp_path):
    page = browser_page
    pdf = tmp_path / "sk-tim-inovasi.pdf"
    pdf.write_bytes(blank_pdf())

    page.goto(f"{live_server}/login/")
    assert "Kata sandi" in page.content() or "Kata Sandi" in page.content()
    page.fill("#username", "opd_a")
    page.fill("#password", PASSWORD)
    page.click("[type=submit]")
    page.wait_for_load_state()

    page.goto(f"{live_server}/innovationview/add")
    page.select_option("select#competition", str(competition), force=True)
    page.fill("input[name=title]", "Sistem Pelayanan Rakyat Sidoarjo (SIPRAJA)")
    for section in SECTIONS:
        page.fill(f"textarea[name={section}]", f"Uraian {section} inovasi SIPRAJA yang melayani warga desa.")
    counter = page.locator(".word-counter[data-for=summary]")
    assert re.match(r"^\d+ / 200 ", counter.inner_text())
    page.fill("input[name=started_on]", "2019-03-01")
    page.fill("input[name=video_url]", "https://www.youtube.com/watch?v=sipraja")
    page.click("form [type=submit]")
    page.wait_for_load_state()

    with app.app_context():
        innovation = db.session.query(Innovation).filter_by(title="Sistem Pelayanan Rakyat Sidoarjo (SIPRAJA)").one()
        pk = innovation.id
        assert innovation.state == "draft"
    page.goto(f"{live_server}/innovationview/show/{pk}")
    assert page.locator(".wf-panel .wf-state").get_attribute("data-state") == "draft"
    # Submitting is blocked until a PDF is attached, and the reason is shown.
    assert page.locator(".wf-blocked[data-blocked-trigger=submit]").count() == 1

    page.set_input_files("form.sikipp-upload input[name=file]", str(pdf))
    page.click("form.sikipp-upload [type=submit]")
    page.wait_for_load_state()
    assert page.locator(".attachment-row").count() == 1
    with app.app_context():
        assert db.session.query(Attachment).filter_by(innovation_id=pk).count() == 1

    assert page.locator(".wf-blocked[data-blocked-trigger=submit]").count() == 0, page.locator(".wf-blocked-list").inner_text()
    page.click("button.wf-trigger[data-trigger=submit]")
    page.wait_for_load_state()
    assert page.locator(".wf-panel .wf-state").get_attribute("data-state") == "submitted"
    assert "opd_a" in page.locator(".wf-history").inner_text()
    with app.app_context():
        assert db.session.get(Innovation, pk).state == "submitted"
