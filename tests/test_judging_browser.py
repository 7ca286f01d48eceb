"""A real browser (Chromium through Playwright): a juror signs in, opens its assignment, fills in every
criterion of the score sheet, saves a draft, submits it as final, and finds it locked."""
import pytest

from app.extensions import db
from app.models import ScoreSheet
from tests.conftest import CHROMIUM, CHROMIUM_ARGS, PASSWORD
from tests.judging_helpers import assign, criteria, rounds_of, user_id, verified

pytestmark = pytest.mark.browser  # fails (never skips) when Chromium or Playwright is missing: CI installs both


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


def test_juror_fills_and_submits_a_score_sheet_in_a_browser(app, competition, live_server, browser):
    (inn,) = verified(app, competition, ["T-OPD-A"], title="Antrean Daring Puskesmas")
    with app.app_context():
        rnd = rounds_of(competition)[0]
        crit = [(c.id, c.weight) for c in criteria(rnd.id)]
        aid = assign(app, rnd.id, inn, user_id("juri1"))
    page = browser.new_page()
    page.set_default_timeout(15000)
    page.goto(f"{live_server}/login/")
    page.fill("input[name=username]", "juri1")
    page.fill("input[name=password]", PASSWORD)
    page.click("[type=submit]")
    page.wait_for_load_state()
    # the juror's own list, then the sheet
    page.goto(f"{live_server}/scoresheets/")
    page.click(f"a[href$='/scoresheets/sheet/{aid}']")
    page.wait_for_selector("#score-sheet")
    assert "Antrean Daring Puskesmas" in page.content()
    values = [85, 90, 77.5, 60, 70, 95]
    # out of range: the browser's own range check keeps the form from being sent
    page.fill(f"#score_{crit[0][0]}", "150")
    page.click("#save-draft")
    assert page.evaluate(f"document.getElementById('score_{crit[0][0]}').validity.rangeOverflow") is True
    # a draft with two criteria
    for (cid, _w), value in list(zip(crit, values))[:2]:
        page.fill(f"#score_{cid}", str(value))
    page.fill("#comment", "Inovasi relevan, data dukung kurang.")
    page.click("#save-draft")
    page.wait_for_selector(".alert-success")
    assert page.input_value(f"#score_{crit[1][0]}") == "90"
    with app.app_context():
        sheet = db.session.query(ScoreSheet).filter_by(assignment_id=aid).one()
        assert not sheet.is_final and len(sheet.scores) == 2
    # every criterion, the live total, then submit final (confirming the dialog)
    for (cid, _w), value in zip(crit, values):
        page.fill(f"#score_{cid}", str(value))
    expected = sum(w * v / 100 for (_c, w), v in zip(crit, values)) / sum(w for _c, w in crit) * 100
    assert page.text_content("#sheet-total") == f"{expected:.2f}".replace(".", ",")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#submit-final")
    page.wait_for_selector(".sheet-state[data-state=final]")
    assert page.query_selector("#submit-final") is None and page.query_selector(f"#score_{crit[0][0]}") is None
    with app.app_context():
        sheet = db.session.query(ScoreSheet).filter_by(assignment_id=aid).one()
        assert sheet.is_final and sheet.comment == "Inovasi relevan, data dukung kurang."
        assert sorted(float(s.value) for s in sheet.scores) == sorted(values)
    page.close()
