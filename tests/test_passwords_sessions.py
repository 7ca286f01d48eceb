"""Passwords and sessions (issue 9 item 9, DESIGN §8): one password rule and one SetPassword command behind
every door (own change, Admin reset, user add form, security API, CLI); a changed or reset password ends the
user's other sessions and its access and refresh tokens; login throttling per account, account + address and
address; every role's self-service screens."""
import re
import uuid

import pytest

from app.extensions import db
from app.models import AuditLog, User
from tests.conftest import PASSWORD

NEW = "Baru#2026Kuat!"
WEAK = ("short#A1", "alllowercase#2026", "NoDigitsHere#x", "NoSymbol2026abc")


def _name(prefix="pw"):
    return f"{prefix}_{uuid.uuid4().hex[:8]}"


@pytest.fixture
def account(app):
    """A fresh Juri account (the baseline users' tokens are cached by other tests: never change theirs)."""
    from app.commands import users as user_commands

    username = _name()
    with app.app_context():
        user_commands.add_user(db.session, username=username, password=PASSWORD, role="Juri", name="Uji Sandi")
    return username


def _user(app, username):
    with app.app_context():
        user = db.session.query(User).filter_by(username=username).one()
        db.session.expunge(user)
        return user


def form_login(client, username, password, addr="127.0.0.1"):
    return client.post("/login/", data={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": addr})


def signed_in(client):
    """The browser session is alive: the own profile page answers (logged out: redirect to the login form)."""
    r = client.get("/users/userinfo/")
    assert r.status_code in (200, 302), r.status_code
    return r.status_code == 200


def api_login(client, username, password, addr="127.0.0.1"):
    return client.post("/api/v1/security/login", environ_base={"REMOTE_ADDR": addr},
                       json={"username": username, "password": password, "provider": "db", "refresh": True})


def tokens(client, username, password=PASSWORD):
    r = api_login(client, username, password)
    assert r.status_code == 200, r.get_json()
    return r.get_json()["access_token"], r.get_json()["refresh_token"]


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def access_ok(client, access):
    return client.get("/api/v1/innovation/", headers=bearer(access)).status_code


def refresh_ok(client, refresh):
    return client.post("/api/v1/security/refresh", headers=bearer(refresh)).status_code


def _assert_all_ended(app, username, others, access, refresh, new_password):
    for other in others:
        assert not signed_in(other), "another browser session survived the password change"
    client = app.test_client()
    assert access_ok(client, access) == 401
    assert refresh_ok(client, refresh) == 401
    # a fresh login works with the new password, not with the old one
    assert api_login(client, username, PASSWORD).status_code == 401
    new_access, new_refresh = tokens(client, username, new_password)
    assert access_ok(client, new_access) == 200
    assert refresh_ok(client, new_refresh) == 200
    fresh = app.test_client()
    assert form_login(fresh, username, new_password).status_code == 302
    assert signed_in(fresh)


def _audit(app, action, username):
    with app.app_context():
        user_id = db.session.query(User.id).filter_by(username=username).scalar()
        rows = db.session.query(AuditLog).filter_by(action=action, target_id=user_id).all()
        for row in rows:  # the audit row never holds the password or its hash
            text = repr(row.data) + (row.detail or "")
            assert NEW not in text and "pbkdf2" not in text and "scrypt" not in text
        return rows


def test_the_complexity_validator_is_one_callable_rule(app):
    from app.services.users import password_problem

    validator = app.config["FAB_PASSWORD_COMPLEXITY_VALIDATOR"]
    assert callable(validator)
    from flask_appbuilder.exceptions import PasswordComplexityValidationError

    with app.test_request_context():
        validator(NEW)
        for weak in WEAK:
            with pytest.raises(PasswordComplexityValidationError) as err:
                validator(weak)
            assert str(err.value) == password_problem(weak)
    with app.test_request_context(headers={"Accept-Language": "id"}):
        assert "kata sandi" in password_problem("x").lower()


# -- own change -------------------------------------------------------------------------------------------

def test_own_change_form_refuses_weak_and_ends_other_sessions_and_tokens(app, account):
    me, other = app.test_client(), app.test_client()
    assert form_login(me, account, PASSWORD).status_code == 302
    assert form_login(other, account, PASSWORD).status_code == 302
    access, refresh = tokens(app.test_client(), account)
    assert me.get("/resetmypassword/form").status_code == 200
    for weak in WEAK:
        r = me.post("/resetmypassword/form", data={"password": weak, "conf_password": weak})
        assert r.status_code == 200, r.status_code  # the form again, with the reason
        assert "10" in r.get_data(as_text=True)
    assert signed_in(other) and access_ok(app.test_client(), access) == 200  # nothing changed yet

    r = me.post("/resetmypassword/form", data={"password": NEW, "conf_password": NEW})
    assert r.status_code == 302, r.get_data(as_text=True)[:300]
    assert signed_in(me), "the session that changed its own password stays signed in"
    _assert_all_ended(app, account, [other], access, refresh, NEW)
    assert len(_audit(app, "user.password_change", account)) == 1


# -- Admin reset ----------------------------------------------------------------------------------------------

def test_admin_reset_form_refuses_weak_and_ends_every_session_and_token(app, account):
    admin, target = app.test_client(), app.test_client()
    assert form_login(admin, "admin", PASSWORD).status_code == 302
    assert form_login(target, account, PASSWORD).status_code == 302
    access, refresh = tokens(app.test_client(), account)
    pk = _user(app, account).id
    assert admin.get(f"/users/action/resetpasswords/{pk}").status_code == 302
    assert admin.get(f"/resetpassword/form?pk={pk}").status_code == 200
    for weak in WEAK:
        r = admin.post(f"/resetpassword/form?pk={pk}", data={"password": weak, "conf_password": weak})
        assert r.status_code == 200
    assert signed_in(target)
    r = admin.post(f"/resetpassword/form?pk={pk}", data={"password": NEW, "conf_password": NEW})
    assert r.status_code == 302
    assert signed_in(admin)
    _assert_all_ended(app, account, [target], access, refresh, NEW)
    assert len(_audit(app, "user.password_reset", account)) == 1


def test_only_an_admin_resets_other_passwords(app, account):
    juri = app.test_client()
    assert form_login(juri, "juri1", PASSWORD).status_code == 302
    pk = _user(app, account).id
    r = juri.post(f"/resetpassword/form?pk={pk}", data={"password": NEW, "conf_password": NEW})
    assert r.status_code in (302, 403) and "/login" in r.headers.get("Location", "/login")
    assert api_login(app.test_client(), account, PASSWORD).status_code == 200  # unchanged

    from app.commands.users import SetPassword
    from app.services.errors import Forbidden

    with app.test_request_context():
        actor = db.session.query(User).filter_by(username="juri1").one()
        with pytest.raises(Forbidden):
            SetPassword(actor, pk, NEW).run()
    assert len(_audit(app, "user.password_reset.refused", account)) == 1


# -- user add form ---------------------------------------------------------------------------------------------

def _add_form(app, username, password):
    from app.models import Unit  # noqa: F401  (the form lists units)

    with app.app_context():
        role_id = app.appbuilder.sm.find_role("Juri").id
    return {"first_name": "Baru", "last_name": "Juri", "username": username, "active": "y",
            "email": f"{username}@example.test", "roles": [str(role_id)], "password": password,
            "conf_password": password}


def test_user_add_form_applies_the_rule(app):
    admin = app.test_client()
    assert form_login(admin, "admin", PASSWORD).status_code == 302
    assert admin.get("/users/add").status_code == 200
    weak_name = _name("addweak")
    r = admin.post("/users/add", data=_add_form(app, weak_name, WEAK[0]))
    assert r.status_code == 200, r.status_code
    with app.app_context():
        assert db.session.query(User).filter_by(username=weak_name).count() == 0
    good = _name("addgood")
    r = admin.post("/users/add", data=_add_form(app, good, NEW))
    assert r.status_code == 302, r.get_data(as_text=True)[:500]
    assert _user(app, good).password_changed_at is not None
    assert api_login(app.test_client(), good, NEW).status_code == 200
    assert len(_audit(app, "user.password_set", good)) == 1
    # the same username again: refused with a message, never a 500
    r = admin.post("/users/add", data=_add_form(app, good, NEW), follow_redirects=True)
    assert r.status_code == 200


# -- FAB's security API ------------------------------------------------------------------------------------

def test_security_api_post_and_put_apply_the_rule_and_revoke_tokens(app, api):
    admin = api("admin")
    with app.app_context():
        role_id = app.appbuilder.sm.find_role("Juri").id
    username = _name("apiuser")
    body = {"first_name": "Api", "last_name": "Juri", "username": username, "email": f"{username}@example.test",
            "roles": [role_id], "active": True}
    for weak in WEAK:
        r = admin.post("/api/v1/security/users/", json={**body, "password": weak})
        assert r.status_code == 400, (r.status_code, r.get_json())
        assert "password" in r.get_json()["message"]
    r = admin.post("/api/v1/security/users/", json={**body, "password": PASSWORD})
    assert r.status_code == 201, r.get_json()
    pk = r.get_json()["id"]
    assert len(_audit(app, "user.password_set", username)) == 1
    r = admin.post("/api/v1/security/users/", json={**body, "password": PASSWORD})  # same username and e-mail
    assert 400 <= r.status_code < 500, r.get_json()

    client = app.test_client()
    browser = app.test_client()
    assert form_login(browser, username, PASSWORD).status_code == 302
    access, refresh = tokens(client, username)
    assert admin.put(f"/api/v1/security/users/{pk}", json={"password": WEAK[1]}).status_code == 400
    assert admin.put("/api/v1/security/users/99999999", json={"password": NEW}).status_code == 404
    assert access_ok(client, access) == 200
    r = admin.put(f"/api/v1/security/users/{pk}", json={"password": NEW, "first_name": "Ganti"})
    assert r.status_code == 200, r.get_json()
    assert _user(app, username).first_name == "Ganti"
    _assert_all_ended(app, username, [browser], access, refresh, NEW)
    assert len(_audit(app, "user.password_reset", username)) == 1
    # a change without a password keeps the sessions and tokens
    new_access, _refresh = tokens(client, username, NEW)
    assert admin.put(f"/api/v1/security/users/{pk}", json={"last_name": "Tetap"}).status_code == 200
    assert access_ok(client, new_access) == 200


# -- CLI ---------------------------------------------------------------------------------------------------------

def test_cli_add_user_applies_the_rule(app):
    runner = app.test_cli_runner()
    weak_name, good = _name("cliweak"), _name("cligood")
    for weak in WEAK:
        result = runner.invoke(args=["kipp", "add-user", "--username", weak_name, "--password", weak,
                                     "--role", "Juri"])
        assert result.exit_code != 0 and "Traceback" not in result.output
        assert "10" in result.output
    result = runner.invoke(args=["kipp", "add-user", "--username", good, "--password", NEW, "--role", "Juri"])
    assert result.exit_code == 0, result.output
    assert api_login(app.test_client(), good, NEW).status_code == 200
    assert len(_audit(app, "user.create", good)) == 1
    assert len(_audit(app, "user.password_set", good)) == 1


def test_fab_cli_reset_password_goes_through_the_command(app, account):
    from flask_appbuilder.cli import fab

    runner = app.test_cli_runner()
    result = runner.invoke(fab, ["reset-password", "--username", account, "--password", WEAK[0]])
    assert result.exit_code != 0 and "Traceback" not in result.output, result.output
    assert api_login(app.test_client(), account, PASSWORD).status_code == 200  # unchanged
    access, refresh = tokens(app.test_client(), account)
    result = runner.invoke(fab, ["reset-password", "--username", account, "--password", NEW])
    assert result.exit_code == 0, result.output
    _assert_all_ended(app, account, [], access, refresh, NEW)
    assert len(_audit(app, "user.password_reset", account)) == 1


# -- tokens carry the credential stamp ------------------------------------------------------------------------

def test_a_token_without_the_stamp_or_with_a_forged_one_is_refused(app, account):
    from flask_jwt_extended import create_access_token

    pk = _user(app, account).id
    client = app.test_client()
    with app.test_request_context():
        forged = create_access_token(identity=str(pk), additional_claims={"cred": "0" * 32})
        good = create_access_token(identity=str(pk))
    assert access_ok(client, forged) == 401
    assert access_ok(client, good) == 200


def test_a_password_changed_in_another_process_ends_sessions_here(app, account, tmp_path):
    """The state is the database row: a change made by any process (here: a plain SQL update of the hash, as
    another worker would commit it) ends the sessions and tokens served by this one."""
    from sqlalchemy import text

    from app.services.users import hash_password

    browser = app.test_client()
    assert form_login(browser, account, PASSWORD).status_code == 302
    access, refresh = tokens(app.test_client(), account)
    with app.app_context():
        with db.engine.begin() as conn:
            conn.execute(text("UPDATE ab_user SET password = :p WHERE username = :u"),
                         {"p": hash_password(NEW), "u": account})
    _assert_all_ended(app, account, [browser], access, refresh, NEW)


# -- login throttling -----------------------------------------------------------------------------------------

def test_one_accounts_failures_do_not_lock_other_accounts_out_of_the_address(client, account):
    addr = "10.9.0.1"
    for _ in range(6):
        assert api_login(client, "juri1", "salah", addr=addr).status_code in (401, 429)
    assert api_login(client, "juri1", PASSWORD, addr=addr).status_code == 429  # that account is throttled
    assert api_login(client, account, PASSWORD, addr=addr).status_code == 200  # another one is not
    browser = client.application.test_client()
    assert form_login(browser, account, PASSWORD, addr=addr).status_code == 302
    assert form_login(browser, "juri1", PASSWORD, addr=addr).status_code == 429


def test_the_per_address_ceiling_still_holds(client, account):
    addr = "10.9.0.2"
    for i in range(19):
        assert api_login(client, f"tebak{i}", "salah", addr=addr).status_code == 401
    assert api_login(client, account, PASSWORD, addr=addr).status_code == 200  # 19 < 20
    assert api_login(client, "tebak-last", "salah", addr=addr).status_code == 401
    assert api_login(client, account, PASSWORD, addr=addr).status_code == 429
    assert form_login(client, account, PASSWORD, addr=addr).status_code == 429
    assert api_login(client, account, PASSWORD, addr="10.9.0.3").status_code == 200


def test_throttle_counters_are_shared_through_redis(app, account):
    """REDIS_URL: the counters live in Redis, so every process sees them."""
    import redis

    from app.services import login_throttle
    from tests.redis_dbs import PASSWORD_SESSIONS as url

    redis.Redis.from_url(url).flushdb()
    old = app.config["RATELIMIT_STORAGE_URI"]
    app.config["RATELIMIT_STORAGE_URI"] = url
    try:
        client = app.test_client()
        for _ in range(5):
            assert api_login(client, account, "salah", addr="10.9.0.4").status_code == 401
        keys = [k.decode() for k in redis.Redis.from_url(url).keys("*sikipp-login*")]
        assert any(account in k and "10.9.0.4" in k for k in keys), keys
        assert api_login(client, account, PASSWORD, addr="10.9.0.5").status_code == 429
        assert api_login(client, "juri2", PASSWORD, addr="10.9.0.4").status_code == 200
    finally:
        with app.app_context():
            login_throttle.reset()
        app.config["RATELIMIT_STORAGE_URI"] = old


# -- self-service for every role ------------------------------------------------------------------------------

@pytest.mark.parametrize("username", ["opd_a", "juri1", "sekretariat", "penandatangan", "hukum", "admin"])
def test_every_role_sees_its_profile_and_password_form(app, username):
    browser = app.test_client()
    assert form_login(browser, username, PASSWORD).status_code == 302
    r = browser.get("/users/userinfo/")
    assert r.status_code == 200, r.status_code
    assert username in r.get_data(as_text=True)
    assert re.search(r"resetmypassword", r.get_data(as_text=True))
    assert browser.get("/users/action/resetmypassword/1").status_code == 302
    assert browser.get("/resetmypassword/form").status_code == 200
    assert browser.get("/userinfoeditview/form").status_code == 200


def test_security_user_api_bad_input_is_never_a_500(app, api, account):
    admin = api("admin")
    pk = _user(app, account).id
    with app.app_context():
        role_id = app.appbuilder.sm.find_role("Juri").id
    username = _name("bad")
    body = {"first_name": "A", "last_name": "B", "username": username, "email": f"{username}@example.test",
            "roles": [role_id], "password": NEW}
    cases = [
        ("post", "/api/v1/security/users/", {**body, "roles": [2**40]}),
        ("post", "/api/v1/security/users/", {**body, "roles": []}),
        ("post", "/api/v1/security/users/", {**body, "password": None}),
        ("post", "/api/v1/security/users/", {**body, "password": 12345}),
        ("post", "/api/v1/security/users/", {**body, "username": "admin"}),
        ("post", "/api/v1/security/users/", {**body, "email": "admin@example.test"}),
        ("post", "/api/v1/security/users/", ["not", "an", "object"]),
        ("put", f"/api/v1/security/users/{pk}", {"email": "admin@example.test"}),
        ("put", f"/api/v1/security/users/{pk}", {"email": "admin@example.test", "password": NEW}),
        ("put", f"/api/v1/security/users/{pk}", {"roles": [2**40]}),
        ("put", f"/api/v1/security/users/{pk}", {"password": ""}),
        ("put", "/api/v1/security/users/abc", {"password": NEW}),
        ("put", f"/api/v1/security/users/{2**40}", {"password": NEW}),
    ]
    for method, url, payload in cases:
        r = getattr(admin, method)(url, json=payload)
        assert 400 <= r.status_code < 500, (method, url, payload, r.status_code, r.get_data(as_text=True)[:300])
    assert api_login(app.test_client(), account, PASSWORD).status_code == 200  # nothing was changed
