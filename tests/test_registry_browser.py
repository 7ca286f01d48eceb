"""A real browser (Chromium via Playwright): the OPD opens last year's awarded innovation, sees its history,
carries it into this year's competition with "Bawa ke kompetisi baru" and lands on the new draft of the same
lineage; its home lists the sustainability status it still owes (issue 12, registry across years)."""
import pytest

from app.extensions import db
from app.models import Innovation
from tests.browser_helpers import sign_in, todos
from tests.test_registry import past_entry

pytestmark = pytest.mark.browser


def test_opd_carries_a_past_innovation_forward(app, live_server, browser_page, competition):
    page = browser_page
    source, _past, lineage = past_entry(app, award_title="Juara I", title="SIPRAJA 2025")
    sign_in(page, live_server, "opd_a")
    # The home's to-do: last year's award awaits this year's sustainability status.
    assert len(todos(page, "sustainability")) == 1

    page.goto(f"{live_server}/innovationview/show/{source}")
    page.click(".sikipp-registry-link a")  # the show page links to the lineage's history
    page.wait_for_load_state()
    history = page.locator(".sikipp-registry")
    assert "KIPP Uji 2025" in history.inner_text() and "Juara I" in history.inner_text()
    page.select_option(".sikipp-carry-over select[name=competition_id]", str(competition))
    page.click(".sikipp-carry-over button.carry-over-button")
    page.wait_for_load_state()

    with app.app_context():
        carried = db.session.query(Innovation).filter(Innovation.lineage_id == lineage,
                                                      Innovation.id != source).one()
        assert (carried.competition_id, carried.state, carried.title) == (competition, "draft", "SIPRAJA 2025")
        pk = carried.id
    assert page.url.rstrip("/").endswith(f"/innovationview/show/{pk}")
    assert page.locator(".wf-panel .wf-state").get_attribute("data-state") == "draft"
    assert "Dibawa ke" in page.content()
    page.click(".sikipp-registry-link a")
    page.wait_for_load_state()
    rows = page.locator(".sikipp-registry .registry-entries tbody tr")
    assert rows.count() == 2  # last year's entry and this one: one lineage
    # Carrying it again into the same competition is refused with the reason, nothing added.
    page.goto(f"{live_server}/innovationview/registry/{source}")
    page.select_option(".sikipp-carry-over select[name=competition_id]", str(competition))
    page.click(".sikipp-carry-over button.carry-over-button")
    page.wait_for_load_state()
    assert "sudah terdaftar" in page.content()
    with app.app_context():
        assert db.session.query(Innovation).filter_by(lineage_id=lineage).count() == 2
