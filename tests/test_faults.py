"""Faults and operations (issue 13): Redis unreachable (a real closed port) never turns a login, page, API call
or issuing request into a 500; /healthz reports each dependency and names the failing one; login throttling
keeps one account's failures from locking others out of an address, behind a configured proxy too; every
request leaves one log line with its request id, user, method, path, status and duration; refusals and job
failures are logged."""
import json
import logging
import os
import tempfile

import pytest
from huey import RedisHuey, SqliteHuey

from app import jobs, observability
from app.extensions import db
from app.services import login_throttle
from tests.conftest import PASSWORD, Api, token_for
from tests.documents_helpers import docs, draft_decree, seed_awards, sign  # noqa: F401  (docs: a fixture)
from tests.redis_dbs import closed_port_url


@pytest.fixture
def redis_down(app, monkeypatch):
    """REDIS_URL at a closed port: login counters and the job queue both point at it (queue mode)."""
    url = closed_port_url()
    monkeypatch.setitem(app.config, "REDIS_URL", url)
    monkeypatch.setitem(app.config, "RATELIMIT_STORAGE_URI", url)
    monkeypatch.setitem(app.config, "SIKIPP_JOBS_MODE", "queue")
    queue = jobs.Jobs(app, RedisHuey("sikipp-test-down", url=url))
    monkeypatch.setitem(app.extensions, "huey", queue.huey)
    monkeypatch.setitem(app.extensions, jobs.EXTENSION, queue)
    yield url
    login_throttle.reset()


def _form_login(client, username, password=PASSWORD, address="127.0.0.1"):
    return client.post("/login/", data={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": address})


def _api_login(client, username, password=PASSWORD, address="127.0.0.1", headers=None):
    return client.post("/api/v1/security/login", json={"username": username, "password": password, "provider": "db"},
                       environ_base={"REMOTE_ADDR": address}, headers=headers or {})


# --- Redis unreachable --------------------------------------------------------------------------------------

def test_logins_pages_and_api_work_while_redis_is_unreachable(app, redis_down, caplog):
    client = app.test_client()
    caplog.set_level(logging.WARNING, logger="app.services.login_throttle")
    r = _api_login(client, "sekretariat")
    assert r.status_code == 200 and r.get_json()["access_token"]
    assert any("unreachable" in rec.getMessage() for rec in caplog.records)  # the fallback is logged
    screen = app.test_client()
    assert _form_login(screen, "opd_a").status_code == 302
    assert screen.get("/innovationview/list/").status_code == 200
    sek = {"Authorization": f"Bearer {r.get_json()['access_token']}"}
    created = client.post("/api/v1/competition/", json={"name": "Saat Redis mati", "year": 2026,
                                                        "submission_deadline": "2026-12-31T00:00:00"}, headers=sek)
    assert created.status_code == 201, created.get_json()
    assert client.get(f"/api/v1/competition/{created.get_json()['id']}", headers=sek).status_code == 200
    # Wrong passwords: 401, and the throttle still counts (in this process) while Redis is down: 429, not 500.
    other = app.test_client()
    statuses = [_api_login(other, "juri2", "salah", address="10.9.8.7").status_code for _ in range(6)]
    assert statuses == [401] * 5 + [429]
    assert _form_login(other, "juri2", address="10.9.8.7").status_code == 429


@pytest.mark.usefixtures("docs")
def test_signing_and_issuing_while_redis_is_unreachable_record_the_job_for_later(app, client, redis_down, caplog):
    from app.models import Decree
    from workflows.models import OutboxMessage

    comp, _awards = seed_awards(app, prizes=(1,))
    pk = draft_decree(client, comp)
    caplog.set_level(logging.WARNING)
    sign(client, pk)  # its outbox message is committed; waking the workers fails and is only logged
    r = Api(client, "sekretariat").post(f"/api/v1/decree/{pk}/certificates")
    assert r.status_code == 202, r.get_json()
    assert any("recorded in the outbox" in rec.getMessage() for rec in caplog.records)
    with app.app_context():
        assert db.session.get(Decree, pk).state == "signed"
        pending = [m.payload for m in db.session.query(OutboxMessage).filter_by(kind="issue_certificates",
                                                                                 status="pending")]
        assert pending.count({"decree_id": pk}) == 2  # the sign's own message and the door's request
    # The documents screen's button answers with a page, not a 500.
    screen = app.test_client()
    assert _form_login(screen, "sekretariat").status_code == 302
    assert screen.post(f"/documents/{pk}/issue").status_code == 302


# --- /healthz ------------------------------------------------------------------------------------------------

def test_healthz_is_ok_normally_and_public(app, client):
    r = client.get("/healthz")
    assert r.status_code == 200
    assert r.get_json() == {"status": "ok", "checks": {"database": "ok", "storage": "ok", "queue": "ok"}}
    assert r.headers["Cache-Control"] == "no-store"


def test_healthz_names_an_unreachable_redis(app, client, redis_down):
    r = client.get("/healthz")
    assert r.status_code == 503
    body = r.get_json()
    assert body["checks"] == {"database": "ok", "storage": "ok", "queue": "unavailable"}
    assert body["failing"] == ["queue"] and body["message"] == "Unavailable: queue (Redis)" and r.headers["Retry-After"]
    assert "127.0.0.1" not in r.get_data(as_text=True)  # no host, path or error text


def test_healthz_names_an_unwritable_storage(app, client, monkeypatch):
    from app.services.storage import EXTENSION, LocalStorage

    blocker = tempfile.NamedTemporaryFile(prefix="sikipp-not-a-dir-", delete=False)  # a file, not a directory:
    blocker.close()                                                                   # unwritable even for root
    monkeypatch.setitem(app.extensions, EXTENSION, LocalStorage(blocker.name))
    try:
        r = client.get("/healthz")
        assert r.status_code == 503 and r.get_json()["failing"] == ["storage"]
        assert blocker.name not in r.get_data(as_text=True)
    finally:
        os.remove(blocker.name)


# --- throttling -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("door", ["api", "form"])
def test_one_accounts_failures_never_lock_another_account_out_of_the_address(app, door):
    client = app.test_client()
    login = _api_login if door == "api" else _form_login
    address = "198.51.100.23"
    for _ in range(5):
        r = login(client, "opd_a", "salah-sandi", address=address)
        if door == "form":  # back to the login form
            assert r.status_code == 302 and "/login" in r.headers["Location"]
        else:
            assert r.status_code == 401
    assert login(client, "opd_a", address=address).status_code == 429  # that account is locked
    ok = 302 if door == "form" else 200
    assert login(app.test_client(), "opd_b", address=address).status_code == ok  # the other account logs in


def test_the_address_ceiling_is_at_least_twenty_failures(app):
    address = "198.51.100.77"
    client = app.test_client()
    for i in range(19):  # spread over accounts so none reaches its own limit of 5
        assert _api_login(client, f"tamu{i % 4}", "salah", address=address).status_code == 401
    assert _api_login(client, "opd_b", address=address).status_code == 200
    assert _api_login(client, "tamu9", "salah", address=address).status_code == 401  # the 20th failure
    assert _api_login(client, "juri1", address=address).status_code == 429  # now the address is throttled
    assert _api_login(client, "juri1", address="198.51.100.78").status_code == 200


@pytest.fixture(scope="module")
def proxied_app(app, app_config):
    """The same database served behind one trusted reverse proxy (SIKIPP_TRUSTED_PROXY_HOPS=1)."""
    from app import create_app

    return create_app({**app_config, "SIKIPP_TRUSTED_PROXY_HOPS": 1})


def test_behind_a_trusted_proxy_clients_are_told_apart_by_x_forwarded_for(app, proxied_app):
    client = proxied_app.test_client()  # every request comes from the proxy's address, 127.0.0.1
    with proxied_app.app_context():
        for i in range(20):
            r = _api_login(client, f"tamu{i % 5}", "salah", headers={"X-Forwarded-For": "203.0.113.9"})
            assert r.status_code == 401
        # The client behind the proxy that failed is throttled; another client of the same proxy is not.
        assert _api_login(client, "juri1", headers={"X-Forwarded-For": "203.0.113.9"}).status_code == 429
        assert _api_login(client, "juri1", headers={"X-Forwarded-For": "203.0.113.10"}).status_code == 200
        # HTTPS as the proxy says: HSTS (not on the proxy's plain-HTTP hop without the header).
        assert "max-age=" in client.get("/healthz", headers={"X-Forwarded-Proto": "https"}).headers[
            "Strict-Transport-Security"]
        assert "Strict-Transport-Security" not in client.get("/healthz").headers
        login_throttle.reset()


def test_without_trusted_proxies_forwarded_headers_are_ignored(app, client):
    for i in range(20):
        _api_login(client, f"tamu{i % 5}", "salah", headers={"X-Forwarded-For": f"203.0.113.{i}"})
    # The forged addresses did not spread the failures: the socket's address (127.0.0.1) is throttled.
    assert _api_login(client, "juri1", headers={"X-Forwarded-For": "203.0.113.200"}).status_code == 429
    assert "Strict-Transport-Security" not in client.get("/healthz", headers={"X-Forwarded-Proto": "https"}).headers


# --- logs -------------------------------------------------------------------------------------------------

def test_one_request_log_line_with_its_fields_and_the_request_id_in_and_out(app, client, caplog):
    token_for(client, "sekretariat")
    caplog.set_level(logging.INFO, logger="sikipp.request")
    r = client.get("/api/v1/competition/", headers={"Authorization": f"Bearer {token_for(client, 'sekretariat')}",
                                                    "X-Request-ID": "uji-123.abc"})
    assert r.status_code == 200 and r.headers["X-Request-ID"] == "uji-123.abc"
    lines = [rec for rec in caplog.records if rec.name == "sikipp.request"]
    assert len(lines) == 1
    line = lines[0]
    assert (line.request_id, line.user, line.method, line.path, line.status) == (
        "uji-123.abc", "sekretariat", "GET", "/api/v1/competition/", 200)
    assert isinstance(line.duration_ms, float) and line.duration_ms >= 0
    entry = json.loads(observability.JsonFormatter().format(line))  # SIKIPP_LOG_JSON=1: one JSON object a line
    assert {k: entry[k] for k in ("request_id", "user", "method", "path", "status")} == {
        "request_id": "uji-123.abc", "user": "sekretariat", "method": "GET", "path": "/api/v1/competition/",
        "status": 200}
    assert entry["level"] == "INFO" and entry["logger"] == "sikipp.request" and "duration_ms" in entry
    # A request without (or with an unusable) id gets a fresh one.
    caplog.clear()
    r = client.get("/healthz", headers={"X-Request-ID": "bad id <script>"})
    assert r.headers["X-Request-ID"] != "bad id <script>" and len(r.headers["X-Request-ID"]) == 32
    assert [rec.user for rec in caplog.records if rec.name == "sikipp.request"] == ["-"]


def test_logging_is_configured_at_start_json_when_asked(app):
    root = logging.getLogger()
    handler = next(h for h in root.handlers if getattr(h, "_sikipp", False))
    assert not isinstance(handler.formatter, observability.JsonFormatter)
    old = dict(app.config)
    try:
        app.config.update(SIKIPP_LOG_JSON=True, SIKIPP_LOG_LEVEL="DEBUG")
        observability.configure_logging(app)
        assert isinstance(handler.formatter, observability.JsonFormatter) and root.level == logging.DEBUG
        assert sum(1 for h in root.handlers if getattr(h, "_sikipp", False)) == 1  # configured once
    finally:
        app.config.clear()
        app.config.update(old)
        observability.configure_logging(app)


def test_domain_refusals_and_job_failures_are_logged(app, api, competition, caplog):
    caplog.set_level(logging.INFO)
    pk = api("opd_a").post("/api/v1/innovation/", json={"competition_id": competition, "title": "Uji"}).get_json()["id"]
    r = api("sekretariat").post(f"/api/v1/innovation/{pk}/transitions/verify", json={})
    assert r.status_code == 409
    refused = [rec.getMessage() for rec in caplog.records if rec.getMessage().startswith("command refused")]
    assert refused and "verify" in refused[-1] and "status=409" in refused[-1]
    # A job that fails in a worker is logged with its name and error.
    queue = jobs.Jobs(app, SqliteHuey("sikipp-test-failing", filename=tempfile.mktemp(suffix=".db")))

    @queue.huey.task(name="always_fails")
    def always_fails():
        raise RuntimeError("der Fehler")

    always_fails()
    caplog.clear()
    queue.huey.execute(queue.huey.dequeue())
    failures = [rec for rec in caplog.records if rec.name == "app.jobs" and rec.levelno == logging.ERROR]
    assert failures and "always_fails" in failures[0].getMessage() and "der Fehler" in failures[0].getMessage()
