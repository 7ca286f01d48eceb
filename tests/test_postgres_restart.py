"""PostgreSQL restarted under load (issue 13): while the server restarts, requests fail cleanly — 503 with
Retry-After, never a 500 — and afterwards they succeed again without restarting the app (pool_pre_ping
replaces the dead connections).

Restarting the server cuts every other connection to it, so this test never runs inside the parallel suite:
it is marked ``pg_restart``, left out of every run that does not select that mark (tests/conftest.py), and
``scripts/test`` runs it alone, after the suite, in its own pytest invocation on the PostgreSQL run."""
import json
import subprocess
import threading
import time
import urllib.error
import urllib.request

import pytest

from tests.conftest import PASSWORD, is_postgres

pytestmark = pytest.mark.pg_restart

RESTART = "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql | head -1) main restart"


def _request(url, data=None, headers=None):
    body = json.dumps(data).encode() if data is not None else None
    req = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json", **(headers or {})},
                                 method="POST" if data is not None else "GET")
    try:
        with urllib.request.urlopen(req, timeout=30) as response:
            return response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as err:
        return err.code, err.read(), dict(err.headers)


def test_requests_fail_cleanly_while_postgresql_restarts_and_succeed_after(app, live_server, competition,
                                                                           capsys):
    if not is_postgres(app):
        pytest.fail("this test restarts PostgreSQL: run it with SIKIPP_TEST_DATABASE=postgresql -m pg_restart")
    status, body, _h = _request(f"{live_server}/api/v1/security/login",
                                {"username": "sekretariat", "password": PASSWORD, "provider": "db"})
    assert status == 200
    bearer = {"Authorization": f"Bearer {json.loads(body)['access_token']}"}
    calls = [("GET", f"/api/v1/competition/{competition}", None, bearer),
             ("GET", "/api/v1/innovation/", None, bearer),
             ("GET", "/healthz", None, {}),
             ("POST", "/api/v1/security/login", {"username": "opd_a", "password": PASSWORD, "provider": "db"}, {}),
             ("GET", "/catalogue/", None, {"Accept": "application/json"})]
    results, stop = [], threading.Event()

    def load(offset):
        i = offset
        while not stop.is_set():
            _method, path, data, headers = calls[i % len(calls)]
            status, body, headers_out = _request(f"{live_server}{path}", data, headers)
            results.append((time.monotonic(), path, status, body[:200], headers_out.get("Retry-After")))
            i += 1

    threads = [threading.Thread(target=load, args=(n,), daemon=True) for n in range(4)]
    for t in threads:
        t.start()
    time.sleep(1.5)
    started = time.monotonic()
    restart = subprocess.run(RESTART, shell=True, capture_output=True, text=True, timeout=120)
    restarted = time.monotonic()
    assert restart.returncode == 0, restart.stderr
    time.sleep(3)
    stop.set()
    for t in threads:
        t.join(timeout=60)

    statuses = {}
    for _at, _path, status, _body, _retry in results:
        statuses[status] = statuses.get(status, 0) + 1
    with capsys.disabled():  # the figures reach the CI log (issue 13's closing note)
        print(f"\n[measure] PostgreSQL restart: took {restarted - started:.2f} s; statuses under load: {statuses}",
              flush=True)
    errors = [r for r in results if r[2] not in (200, 503)]
    assert not errors, errors[:5]  # never a 500 (nor anything else) — only answers or a clean 503
    unavailable = [r for r in results if r[2] == 503]
    assert unavailable, "no request met the restart: the failure path was not exercised"
    assert all(r[4] for r in unavailable)  # Retry-After on every 503
    assert all(b"Fatal error" not in r[3] and b"psycopg" not in r[3] for r in unavailable)
    # The same app, not restarted, answers again (each call of the mix).
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if _request(f"{live_server}/healthz")[0] == 200:
            break
        time.sleep(0.5)
    for _method, path, data, headers in calls:
        status, body, _h = _request(f"{live_server}{path}", data, headers)
        assert status == 200, (path, status, body[:300])
    late = [r for r in results if r[0] > restarted + 2]
    assert late and all(r[2] == 200 for r in late[-8:]), late[-8:]
