"""The Sekretariat's screen journeys of the rulebook issue in a real browser (Chromium through Playwright):
verifying attests every checklist item (the browser will not send the form otherwise, and the server would refuse
it), and awarding from the innovation page with predikat, prize and the rank proposed by the final ranking."""
import pytest

from app.extensions import db
from app.models import Award
from app.models.competition import DEFAULT_CHECKLIST
from tests.conftest import PASSWORD
from tests.test_doors_proposals import scored_pair, state_of
from tests.test_proposals import ready_draft

pytestmark = pytest.mark.browser  # fails (never skips) when Chromium or Playwright is missing: CI installs both


def _sign_in(page, live_server, username):
    page.set_default_timeout(15000)
    page.goto(f"{live_server}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("[type=submit]")
    page.wait_for_load_state()


def test_sekretariat_verifies_with_the_whole_checklist_in_a_browser(app, api, competition, live_server,
                                                                     browser_page):
    pk = ready_draft(api, competition, title="Layanan Adminduk Keliling")
    assert api("opd_a").post(f"/api/v1/innovation/{pk}/transitions/submit", json={}).status_code == 200
    page = browser_page
    _sign_in(page, live_server, "sekretariat")
    page.goto(f"{live_server}/innovationview/show/{pk}")
    form = page.locator("form.wf-fire-form", has=page.locator("button[data-trigger=verify]"))
    boxes = form.locator("input[type=checkbox]")
    assert boxes.count() == len(DEFAULT_CHECKLIST)
    # One box left unticked: the browser keeps the form (required boxes), nothing reaches the server.
    for i in range(boxes.count() - 1):
        boxes.nth(i).check()
    form.locator("button[data-trigger=verify]").click()
    assert boxes.nth(boxes.count() - 1).evaluate("el => el.validity.valueMissing") is True
    assert state_of(app, pk) == "submitted"
    boxes.nth(boxes.count() - 1).check()
    form.locator("button[data-trigger=verify]").click()  # the confirmation is accepted by the fixture
    page.wait_for_selector(".alert-success")
    assert state_of(app, pk) == "verified"


def test_sekretariat_awards_from_the_innovation_page_in_a_browser(app, api, competition, live_server, browser_page):
    _first, second = scored_pair(app, api, competition)
    page = browser_page
    _sign_in(page, live_server, "sekretariat")
    page.goto(f"{live_server}/innovationview/show/{second}")
    form = page.locator("form.wf-fire-form", has=page.locator("button[data-trigger=award]"))
    assert form.locator("input[name=rank]").input_value() == "2"  # proposed from the final ranking
    form.locator("button[data-trigger=award]").click()  # no predikat yet: the browser refuses to send it
    assert form.locator("input[name=title]").evaluate("el => el.validity.valueMissing") is True
    assert state_of(app, second) == "scored"
    form.locator("input[name=title]").fill("Juara II")
    form.locator("input[name=prize_amount]").fill("7500000")  # a number field: digits only
    form.locator("button[data-trigger=award]").click()
    page.wait_for_selector(".alert-success")
    assert state_of(app, second) == "awarded"
    with app.app_context():
        (award,) = db.session.query(Award).filter_by(innovation_id=second).all()
        assert (award.title, award.rank, float(award.prize_amount)) == ("Juara II", 2, 7500000.0)
