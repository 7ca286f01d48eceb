"""Content-Security-Policy in a real browser (Chromium through Playwright): the pages of the journeys (public,
OPD, Juri, Sekretariat, Admin) load with the policy enforced and raise no violation (no inline script runs
without the request's nonce; SIKIPP's own code is in static files), and the behaviour moved out of the templates
still works (confirmations, the live score total, FAB's nonce-carrying scripts)."""
import pytest

from tests.conftest import PASSWORD
from tests.judging_helpers import assign, rounds_of, user_id, verified
from tests.test_proposals import ready_draft

pytestmark = pytest.mark.browser  # fails (never skips) when Chromium or Playwright is missing: CI installs both

WATCH = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', function (e) {
  window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI + ' ' + (e.sample || ''));
});
"""


def _sign_in(page, live_server, username):
    page.goto(f"{live_server}/logout/")
    page.goto(f"{live_server}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("[type=submit]")
    page.wait_for_load_state()


def test_key_pages_raise_no_csp_violation(app, api, competition, live_server, browser_page):
    pk = ready_draft(api, competition, title="Layanan Adminduk Keliling")
    (scored,) = verified(app, competition, ["T-OPD-B"], title="Antrean Daring")
    with app.app_context():
        rnd = rounds_of(competition)[0].id
        aid = assign(app, rnd, scored, user_id("juri1"))
    page = browser_page.context.browser.new_page(locale="id-ID")  # no auto-accepting dialog handler here
    page.set_default_timeout(15000)
    console = []
    page.on("console", lambda msg: console.append(msg.text))
    page.add_init_script(WATCH)
    visited = []

    def visit(path):
        response = page.goto(f"{live_server}{path}")
        page.wait_for_load_state("load")
        assert response.status == 200, (path, response.status)
        assert "script-src 'self'" in response.headers["content-security-policy"], path
        violations = page.evaluate("window.__cspViolations")
        assert violations == [], (path, violations)
        assert page.evaluate("typeof window.jQuery") == "function", path  # FAB's scripts ran
        visited.append(path)

    for path in ("/login/", "/catalogue/", "/verify"):
        visit(path)
    _sign_in(page, live_server, "opd_a")
    for path in ("/", "/innovationview/list/", "/innovationview/add", f"/innovationview/show/{pk}",
                 f"/innovationview/edit/{pk}", "/users/userinfo/", "/resetmypassword/form"):
        visit(path)
    # The confirmation (data-confirm, static/js/sikipp.js) is asked before a removal; dismissed, nothing is sent.
    dialogs = []
    visit(f"/innovationview/show/{pk}")
    page.once("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.click("form[action*='/delete'] button[data-confirm]")
    assert dialogs and "lampiran" in dialogs[0].lower()
    assert page.url.endswith(f"/innovationview/show/{pk}")
    _sign_in(page, live_server, "juri1")
    for path in ("/", "/scoresheets/", f"/scoresheets/sheet/{aid}"):
        visit(path)
    assert page.text_content("#sheet-total") == "\u2014"  # the live total (static JS) ran: nothing entered yet
    _sign_in(page, live_server, "sekretariat")
    for path in ("/", "/competitionview/list/", "/innovationview/list/", f"/innovationview/show/{pk}",
                 "/judging/", f"/judging/progress/{rnd}", "/documents/", "/participation/", "/auditlogview/list/"):
        visit(path)
    assert page.evaluate("typeof window.modelActions") == "object"  # FAB's inline list script ran (its nonce)
    _sign_in(page, live_server, "admin")
    for path in ("/users/list/", "/swagger/v1"):
        visit(path)
    csp_console = [m for m in console if "Content Security Policy" in m or "Refused to" in m]
    assert csp_console == [], csp_console
    assert len(visited) >= 20
