"""A database that does not answer gives 503 with Retry-After — never a 500, never the driver's text — on the
API (whose FAB decorator makes its own 500s), the screens and /healthz; requests succeed again once it answers,
without restarting the app. Faults on this test's own database only (the suite shares the server):
PostgreSQL refuses new connections to it and its open ones are terminated; SQLite's file is locked by another
connection longer than the busy timeout. (The whole-server restart is tests/test_postgres_restart.py.)"""
import contextlib
import sqlite3

from sqlalchemy import create_engine, text

from tests.conftest import PASSWORD, PG_ADMIN_URL, Api, is_postgres


@contextlib.contextmanager
def database_down(app):
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if is_postgres(app):
        name = uri.rsplit("/", 1)[1]
        admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'))
            conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                              "WHERE datname = :name AND pid <> pg_backend_pid()"), {"name": name})
        try:
            yield
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
            admin.dispose()
    else:
        locker = sqlite3.connect(uri.split("sqlite:///", 1)[1], isolation_level=None)
        locker.execute("BEGIN EXCLUSIVE")
        try:
            yield
        finally:
            locker.execute("ROLLBACK")
            locker.close()


def test_database_down_answers_503_and_recovers_without_restart(app, client, competition):
    sek = Api(client, "sekretariat")
    screen = app.test_client()
    assert screen.post("/login/", data={"username": "sekretariat", "password": PASSWORD}).status_code == 302
    with database_down(app):
        api = sek.get(f"/api/v1/competition/{competition}")
        assert api.status_code == 503, api.get_data(as_text=True)[:300]
        assert api.headers["Retry-After"] and "basis data" in api.get_json()["message"].lower()
        assert "Fatal" not in api.get_data(as_text=True) and "psycopg" not in api.get_data(as_text=True)
        page = screen.get("/competitionview/list/")
        assert page.status_code == 503 and page.headers["Retry-After"]
        health = client.get("/healthz")
        assert health.status_code == 503 and health.get_json()["failing"] == ["database"]
        assert health.headers["Retry-After"]
        if is_postgres(app):  # connections are refused (SQLite's lock lets nobody in either, but login waits on it)
            login = client.post("/api/v1/security/login",
                                json={"username": "opd_a", "password": PASSWORD, "provider": "db"})
            assert login.status_code == 503, login.get_data(as_text=True)[:300]
    assert sek.get(f"/api/v1/competition/{competition}").status_code == 200
    assert screen.get("/competitionview/list/").status_code == 200
    assert client.get("/healthz").status_code == 200


def test_a_connection_cut_before_the_request_ends_is_no_500(app, client, competition):
    """The server cuts the request's connection after the answer is made and before the request's session is
    ended (a restart at that moment): the answer stands (the session's rollback on the dead connection used to
    raise out of the teardown, a bare 500), and the next request gets a fresh connection."""
    import pytest
    from flask import request_finished

    from app.extensions import db

    if not is_postgres(app):
        pytest.skip("PostgreSQL: an SQLite file has no connection a server could cut")
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")

    def cut(sender, response, **extra):
        pid = db.session.execute(text("SELECT pg_backend_pid()")).scalar()
        with admin.connect() as conn:
            conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})

    sek = Api(client, "sekretariat")
    try:
        with request_finished.connected_to(cut, app):
            r = sek.get(f"/api/v1/competition/{competition}")
        assert r.status_code == 200, r.get_data(as_text=True)[:300]
    finally:
        admin.dispose()
    assert sek.get(f"/api/v1/competition/{competition}").status_code == 200
