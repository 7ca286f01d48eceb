"""Secure configuration and login throttling (DESIGN §4, §6)."""
import time

import pytest

from tests.conftest import PASSWORD

API_LOGIN = "/api/v1/security/login"


# -- SECRET_KEY -------------------------------------------------------------------------------------------

def _config(tmp_path, **overrides):
    return {"SQLALCHEMY_DATABASE_URI": "sqlite:///" + str(tmp_path / "cfg.db"),
            "SIKIPP_STORAGE_DIR": str(tmp_path / "storage"), **overrides}


def test_default_secret_key_refused_outside_testing(tmp_path, monkeypatch):
    import config
    from app import InsecureConfiguration, create_app

    monkeypatch.delenv("SIKIPP_DEV", raising=False)
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    with pytest.raises(InsecureConfiguration):
        create_app(_config(tmp_path, TESTING=False, DEBUG=False, SECRET_KEY=config.DEV_SECRET_KEY))
    # The default comes from config.py when nothing overrides it.
    monkeypatch.setattr(config, "SECRET_KEY", config.DEV_SECRET_KEY)
    with pytest.raises(InsecureConfiguration):
        create_app(_config(tmp_path, TESTING=False, DEBUG=False))


def test_own_secret_key_or_dev_flag_is_accepted(tmp_path, monkeypatch):
    import config
    from app import create_app

    monkeypatch.delenv("SIKIPP_DEV", raising=False)
    app = create_app(_config(tmp_path, TESTING=False, DEBUG=False, SECRET_KEY="a-real-secret-0f9e8d7c6b5a"))
    assert app.config["SECRET_KEY"] == "a-real-secret-0f9e8d7c6b5a"
    monkeypatch.setenv("SIKIPP_DEV", "1")
    app = create_app(_config(tmp_path, TESTING=False, DEBUG=False, SECRET_KEY=config.DEV_SECRET_KEY))
    assert app.config["SECRET_KEY"] == config.DEV_SECRET_KEY
    monkeypatch.setenv("SIKIPP_DEV", "0")  # only "1" switches development mode on
    from app import InsecureConfiguration

    with pytest.raises(InsecureConfiguration):
        create_app(_config(tmp_path, TESTING=False, DEBUG=False, SECRET_KEY=config.DEV_SECRET_KEY))


# -- login ------------------------------------------------------------------------------------------------

def api_login(client, username, password, addr="127.0.0.1"):
    return client.post(API_LOGIN, json={"username": username, "password": password, "provider": "db"},
                       environ_base={"REMOTE_ADDR": addr})


def form_login(client, username, password, addr="127.0.0.1"):
    return client.post("/login/", data={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": addr})


def _assert_throttled_json(r):
    assert r.status_code == 429, (r.status_code, r.get_data(as_text=True)[:200])
    assert r.is_json and r.get_json()["message"]
    assert int(r.headers["Retry-After"]) > 0
    assert "access_token" not in r.get_json()


def test_wrong_password_is_401(client):
    r = api_login(client, "juri1", "salah")
    assert r.status_code == 401, r.get_json()
    assert r.is_json and "access_token" not in r.get_json()
    r = api_login(client, "tidak-ada", "salah")
    assert r.status_code == 401
    r = api_login(client, "juri1", PASSWORD)
    assert r.status_code == 200 and r.get_json()["access_token"]


def test_api_login_throttled_after_five_failures(client):
    for _ in range(5):
        assert api_login(client, "juri1", "salah", addr="10.1.0.1").status_code == 401
    # the sixth attempt is refused before the password is even checked — the right one too
    _assert_throttled_json(api_login(client, "juri1", PASSWORD, addr="10.1.0.1"))
    _assert_throttled_json(api_login(client, "juri1", "salah", addr="10.1.0.1"))


def test_account_throttle_follows_the_account_across_addresses(client):
    for i in range(5):
        assert api_login(client, "juri1", "salah", addr=f"10.2.0.{i + 1}").status_code == 401
    _assert_throttled_json(api_login(client, "juri1", PASSWORD, addr="10.2.0.99"))
    # the same account spelled differently is the same account
    _assert_throttled_json(api_login(client, " JURI1 ", PASSWORD, addr="10.2.0.98"))
    # another account from a clean address is not affected
    assert api_login(client, "juri2", PASSWORD, addr="10.2.0.99").status_code == 200


def test_address_throttle_covers_every_account_from_that_address(client):
    # the per-address ceiling (any accounts) is 20 failures per window (DESIGN §8)
    for i in range(20):
        assert api_login(client, f"tebakan{i}", "salah", addr="10.3.0.1").status_code == 401
    _assert_throttled_json(api_login(client, "juri2", PASSWORD, addr="10.3.0.1"))
    assert api_login(client, "juri2", PASSWORD, addr="10.3.0.2").status_code == 200


def test_form_login_is_throttled_too(client):
    assert client.get("/login/").status_code == 200
    for _ in range(5):
        r = form_login(client, "opd_b", "salah", addr="10.4.0.1")
        assert r.status_code in (200, 302), r.status_code
        assert "/login" in r.headers.get("Location", "/login/")  # back to the form, not signed in
    r = form_login(client, "opd_b", PASSWORD, addr="10.4.0.1")
    assert r.status_code == 429, r.status_code
    assert int(r.headers["Retry-After"]) > 0
    # form and API share the account's counter
    _assert_throttled_json(api_login(client, "opd_b", PASSWORD, addr="10.4.0.2"))


def test_form_login_failures_and_api_failures_add_up(client):
    for _ in range(3):
        form_login(client, "opd_b", "salah", addr="10.5.0.1")
    for _ in range(2):
        assert api_login(client, "opd_b", "salah", addr="10.5.0.2").status_code == 401
    _assert_throttled_json(api_login(client, "opd_b", PASSWORD, addr="10.5.0.3"))


def test_form_login_succeeds_when_not_throttled(client):
    r = form_login(client, "opd_b", PASSWORD, addr="10.6.0.1")
    assert r.status_code == 302
    assert "/login" not in r.headers["Location"]


def test_successful_logins_are_not_counted(client):
    for _ in range(10):
        r = api_login(client, "penandatangan", PASSWORD, addr="10.7.0.1")
        assert r.status_code == 200, r.get_json()
    for _ in range(10):
        assert form_login(client, "penandatangan", PASSWORD, addr="10.7.0.1").status_code == 302
    # four failures are still under the limit: the right password still works
    for _ in range(4):
        assert api_login(client, "penandatangan", "salah", addr="10.7.0.1").status_code == 401
    assert api_login(client, "penandatangan", PASSWORD, addr="10.7.0.1").status_code == 200
    # the fifth failure reaches it
    assert api_login(client, "penandatangan", "salah", addr="10.7.0.1").status_code == 401
    _assert_throttled_json(api_login(client, "penandatangan", PASSWORD, addr="10.7.0.1"))


def test_throttle_ends_after_the_window(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "SIKIPP_LOGIN_WINDOW_SECONDS", 2)
    for _ in range(5):
        api_login(client, "juri2", "salah", addr="10.8.0.1")
    _assert_throttled_json(api_login(client, "juri2", PASSWORD, addr="10.8.0.1"))
    time.sleep(2.6)
    assert api_login(client, "juri2", PASSWORD, addr="10.8.0.1").status_code == 200


def test_throttled_login_does_not_block_tokens_already_issued(client, api):
    """Throttling stops new logins, not the work of someone already signed in."""
    signed_in = api("juri1")
    for _ in range(5):
        api_login(client, "juri1", "salah", addr="10.9.0.1")
    _assert_throttled_json(api_login(client, "juri1", PASSWORD, addr="10.9.0.2"))
    assert signed_in.get("/api/v1/competition/").status_code == 200


def test_manual_decree_numbers_without_a_paraf_chain_stop_the_start(tmp_path):
    """The manual number is entered at the last paraf (DESIGN §3): with no chain, no decree could ever be signed."""
    from app import create_app

    with pytest.raises(ValueError, match="SIKIPP_DECREE_PARAF_CHAIN"):
        create_app(_config(tmp_path, TESTING=True, SIKIPP_DECREE_NUMBER_SOURCE="manual", SIKIPP_DECREE_PARAF_CHAIN=""))
    app = create_app(_config(tmp_path, TESTING=True, SIKIPP_DECREE_NUMBER_SOURCE="manual",
                             SIKIPP_DECREE_PARAF_CHAIN="Hukum"))
    assert app.config["SIKIPP_DECREE_NUMBER_SOURCE"] == "manual"
