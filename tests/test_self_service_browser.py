"""Profile and own password for every role, in a real browser (issue 10): the navbar's user menu reaches the
profile (/users/userinfo/) and the password form (/resetmypassword/form); a new password works at the next login.
A throwaway account per role changes its password (the seeded accounts keep theirs for the other tests)."""
import pytest

from app.extensions import db
from tests.browser_helpers import assert_accessible, sign_in
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

NEW_PASSWORD = "Baru#Sidoarjo2026x"
ROLES = (("Sekretariat", None), ("OPD", "T-OPD-A"), ("Juri", None), ("Penandatangan", None), ("Hukum", None))


@pytest.fixture
def accounts(app):
    from app.commands import users as user_commands
    from app.models import User

    names = []
    with app.app_context():
        for role, unit in ROLES:
            username = f"self_{role.lower()}"
            if db.session.query(User).filter_by(username=username).one_or_none() is None:
                user_commands.add_user(db.session, username=username, password=PASSWORD, role=role, unit_code=unit,
                                       name=f"Pengguna {role}", email=f"{username}@example.test")
            names.append(username)
    yield names
    with app.app_context():  # back to the fixture password (another run in this worker signs in with it)
        from app.commands.users import SetPassword

        for username in names:
            user = db.session.query(User).filter_by(username=username).one()
            SetPassword(None, user, PASSWORD).run()


def test_every_role_reads_its_profile_and_changes_its_password(app, live_server, browser_page, accounts):
    page, base = browser_page, live_server
    page.set_default_timeout(15000)
    for n, username in enumerate(accounts):
        sign_in(page, base, username)
        page.click("a.dropdown-toggle:has(.fa-user)")
        page.click('a[href="/users/userinfo/"]')
        page.wait_for_load_state()
        assert page.url.endswith("/users/userinfo/")
        assert username in page.inner_text("body"), username
        page.goto(base + "/")
        page.click("a.dropdown-toggle:has(.fa-user)")
        page.click('.dropdown-menu a[href="/resetmypassword/form"]')
        page.wait_for_load_state()
        if n == 0:
            assert_accessible(page, "the own password form")
        page.fill("input[name=password]", NEW_PASSWORD)
        page.fill("input[name=conf_password]", NEW_PASSWORD)
        page.click("form [type=submit]")
        page.wait_for_load_state()
        assert page.locator(".alert-danger").count() == 0, page.inner_text("body")[:500]
        page.goto(f"{base}/logout/")
        page.goto(f"{base}/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", NEW_PASSWORD)
        page.click("[type=submit]")
        page.wait_for_load_state()
        assert "/login" not in page.url, f"{username}: the new password does not sign in"
