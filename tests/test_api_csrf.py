"""The REST API accepts a cookie-authenticated write only with the CSRF token (DESIGN §8): a page of another
site can make the browser send the session cookie, never the X-CSRFToken header nor a bearer token."""
import re
from contextlib import contextmanager

import pytest

from app.extensions import db
from app.models import Innovation
from tests.conftest import PASSWORD

EVIL = {"Origin": "https://evil.example", "Referer": "https://evil.example/page"}


@contextmanager
def csrf_on(app):
    """The tests' app runs with WTF_CSRF_ENABLED False; switch it on for this test only."""
    old = app.config["WTF_CSRF_ENABLED"]
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        yield
    finally:
        app.config["WTF_CSRF_ENABLED"] = old
        # FAB's form views remember their columns from the first request (csrf_token included while it was on):
        # forget it, or a later test of this process renders a form without that field (UndefinedError).
        for view in app.appbuilder.baseviews:
            columns = getattr(view, "form_columns", None)
            if columns and "csrf_token" in columns:
                view.form_columns = [c for c in columns if c != "csrf_token"]


def _token(html):
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def browser_login(app, username):
    """A real form login with CSRF on: the login form carries the token like any other form."""
    browser = app.test_client()
    token = _token(browser.get("/login/").get_data(as_text=True))
    r = browser.post("/login/", data={"username": username, "password": PASSWORD})
    assert r.status_code == 400  # no token: the form refuses the login
    r = browser.post("/login/", data={"username": username, "password": PASSWORD, "csrf_token": token})
    assert r.status_code == 302 and "/login" not in r.headers["Location"], r.status_code
    return browser


def page_token(browser):
    """The token a screen of ours renders (every form page has it)."""
    return _token(browser.get("/resetmypassword/form").get_data(as_text=True))


def draft(api, competition, title="Inovasi CSRF"):
    r = api("opd_a").post("/api/v1/innovation/", json={"competition_id": competition, "title": title})
    assert r.status_code == 201, r.get_json()
    return r.get_json()["id"]


def state(app, pk):
    with app.app_context():
        return db.session.get(Innovation, pk).state


def test_cookie_transition_without_token_is_refused_and_with_token_accepted(app, api, competition):
    pk = draft(api, competition)
    with csrf_on(app):
        browser = browser_login(app, "opd_a")
        r = browser.post(f"/api/v1/innovation/{pk}/transitions/withdraw", json={}, headers=EVIL)
        assert r.status_code == 400, (r.status_code, r.get_json())
        assert "CSRF" in r.get_json()["message"]
        assert state(app, pk) == "draft"
        r = browser.post(f"/api/v1/innovation/{pk}/transitions/withdraw", json={},
                         headers={"X-CSRFToken": "forged-token"})
        assert r.status_code == 400 and state(app, pk) == "draft"
        r = browser.post(f"/api/v1/innovation/{pk}/transitions/withdraw", json={},
                         headers={"X-CSRFToken": page_token(browser)})
        assert r.status_code == 200, r.get_json()
        assert state(app, pk) == "withdrawn"


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_every_cookie_write_method_needs_the_token(app, api, competition, method):
    pk = draft(api, competition)
    with csrf_on(app):
        browser = browser_login(app, "opd_a")
        url = "/api/v1/innovation/" if method == "post" else f"/api/v1/innovation/{pk}"
        body = {"competition_id": competition, "title": "Lewat cookie"} if method == "post" else (
            {"title": "Diubah lewat cookie"} if method == "put" else None)
        call = getattr(browser, method)
        r = call(url, json=body, headers=EVIL)
        assert r.status_code == 400, (r.status_code, r.get_data(as_text=True)[:200])
        with app.app_context():
            assert db.session.query(Innovation).count() == 1
            assert db.session.get(Innovation, pk).title == "Inovasi CSRF"
        r = call(url, json=body, headers={"X-CSRFToken": page_token(browser)})
        assert r.status_code in (200, 201), (r.status_code, r.get_json())
        # reads need no token
        assert browser.get(f"/api/v1/innovation/{pk}" if method != "delete" else "/api/v1/innovation/").status_code == 200


def test_bearer_writes_need_no_token(app, api, competition):
    pk = draft(api, competition)
    with csrf_on(app):
        opd = api("opd_a")
        r = opd.post(f"/api/v1/innovation/{pk}/transitions/withdraw", json={})
        assert r.status_code == 200, r.get_json()
        assert opd.post("/api/v1/innovation/", json={"competition_id": competition, "title": "Lewat token"}
                        ).status_code == 201


def test_login_refresh_and_anonymous_calls_are_not_blocked(app, api, competition):
    pk = draft(api, competition)
    with csrf_on(app):
        client = app.test_client()
        r = client.post("/api/v1/security/login", json={"username": "opd_a", "password": PASSWORD,
                                                         "provider": "db", "refresh": True})
        assert r.status_code == 200, r.get_json()
        refresh = r.get_json()["refresh_token"]
        assert client.post("/api/v1/security/refresh",
                           headers={"Authorization": f"Bearer {refresh}"}).status_code == 200
        # no session, no token: the API's own 401, not a CSRF refusal
        assert client.post(f"/api/v1/innovation/{pk}/transitions/withdraw", json={}).status_code == 401
        assert state(app, pk) == "draft"


def test_swagger_try_it_out_sends_the_token(app):
    with csrf_on(app):
        browser = browser_login(app, "admin")
        html = browser.get("/swagger/v1").get_data(as_text=True)
        match = re.search(r'const csrfToken = "([^"]+)"', html)
        assert match and "X-CSRFToken" in html
        # the token the page carries is accepted by the API for a cookie write
        r = browser.post("/api/v1/security/users/", json={}, headers={"X-CSRFToken": match.group(1)})
        assert r.status_code == 400 and "CSRF" not in str(r.get_json())  # the schema's answer, not a CSRF refusal
