"""Test fixtures: a real database per xdist worker (SQLite file, or PostgreSQL when
SIKIPP_TEST_DATABASE=postgresql), built by the Alembic migrations, with one user per role."""
import datetime
import os
import tempfile

import pytest
from sqlalchemy import create_engine, text

PG_ADMIN_URL = os.environ.get("SIKIPP_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
PASSWORD = "Rahasia#2026kuat"

# Domain tables emptied after every test, children first.
DOMAIN_TABLES = ["notification", "objection", "announcement_entry", "announcement", "score", "score_sheet", "assignment",
                 "issued_document", "decree_award", "award", "unit_award", "decree_paraf", "signer_profile", "decree",
                 "attachment", "innovation", "criterion", "round", "competition", "workflow_history",
                 "workflow_outbox", "audit_log"]
DOMAIN_TABLES.insert(0, "nomination")  # nomination upward (issue 12 item 8)


def pytest_collection_modifyitems(config, items):
    """Tests marked ``pg_restart`` restart the shared PostgreSQL server: they run only when selected by that mark
    (``-m pg_restart``, alone: scripts/test does it after the suite on the PostgreSQL run), never within the suite,
    where they would cut the connections of every other test."""
    if "pg_restart" in (config.getoption("markexpr") or ""):
        return
    kept = [item for item in items if item.get_closest_marker("pg_restart") is None]
    if len(kept) != len(items):
        config.hook.pytest_deselected(items=[item for item in items if item not in kept])
        items[:] = kept


def _worker():
    return os.environ.get("PYTEST_XDIST_WORKER", "gw0")


def _pg_name():
    # The pid keeps concurrent test runs on one server (two developers, two checkouts) apart.
    return f"sikipp_test_{_worker()}_{os.getpid()}"


def _pg_admin(sql):
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(sql))
    admin.dispose()


def _database_url(tmp_root):
    if os.environ.get("SIKIPP_TEST_DATABASE") == "postgresql":
        name = _pg_name()
        _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        _pg_admin(f'CREATE DATABASE "{name}"')
        return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    return "sqlite:///" + os.path.join(tmp_root, "sikipp.db")


def is_postgres(app):
    return app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql")


@pytest.fixture(scope="session")
def app_config():
    tmp_root = tempfile.mkdtemp(prefix=f"sikipp-{_worker()}-")
    return {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": _database_url(tmp_root),
        "SIKIPP_STORAGE_DIR": os.path.join(tmp_root, "storage"),
        "SIKIPP_HUEY_FILE": os.path.join(tmp_root, "huey.db"),
        "WTF_CSRF_ENABLED": False,
        "FAB_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",  # fast hashing for fixtures only
        "SIKIPP_LOG_LEVEL": "WARNING",  # tests that read the request log raise its level with caplog
        "SERVER_NAME": None,
    }


@pytest.fixture(scope="session")
def app(app_config):
    from flask_migrate import upgrade

    from app import create_app, sync_security

    application = create_app(app_config)
    with application.app_context():
        upgrade()
        sync_security(application.appbuilder)
        _seed_baseline(application)
    yield application
    if is_postgres(application):
        with application.app_context():
            from app.extensions import db

            db.session.remove()
            db.engine.dispose()
        _pg_admin(f'DROP DATABASE IF EXISTS "{_pg_name()}" WITH (FORCE)')


def _seed_baseline(application):
    from app.commands import users as user_commands
    from app.extensions import db
    from app.models import Unit

    units = [Unit(code="T-OPD-A", name="Dinas Uji A", kind="opd", sakip_grade="A"),
             Unit(code="T-OPD-B", name="Dinas Uji B", kind="opd", sakip_grade="BB"),
             Unit(code="T-KEC-C", name="Kecamatan Uji C", kind="kecamatan")]
    db.session.add_all(units)
    db.session.commit()
    for username, role, unit in [
        ("admin", "Admin", None), ("sekretariat", "Sekretariat", None), ("opd_a", "OPD", "T-OPD-A"),
        ("opd_b", "OPD", "T-OPD-B"), ("juri1", "Juri", None), ("juri2", "Juri", "T-OPD-B"),
        ("penandatangan", "Penandatangan", None), ("hukum", "Hukum", None),
    ]:
        user_commands.add_user(db.session, username=username, password=PASSWORD, role=role, unit_code=unit,
                       name=username.title(), email=f"{username}@example.test")


@pytest.fixture(autouse=True)
def _clean(app):
    yield
    from app.extensions import db
    from app.services import login_throttle

    with app.app_context():
        db.session.rollback()
        for table in DOMAIN_TABLES:
            db.session.execute(text(f"DELETE FROM {table}"))
        db.session.commit()
        login_throttle.reset()


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield


@pytest.fixture
def client(app):
    return app.test_client()


_tokens = {}


def token_for(client, username, password=PASSWORD):
    if username not in _tokens:
        r = client.post("/api/v1/security/login",
                        json={"username": username, "password": password, "provider": "db"})
        assert r.status_code == 200, r.get_json()
        _tokens[username] = r.get_json()["access_token"]
    return _tokens[username]


class Api:
    """A JSON client logged in as one user."""

    def __init__(self, client, username):
        self.client = client
        self.username = username
        self.headers = {"Authorization": f"Bearer {token_for(client, username)}"}

    def get(self, url, **kw):
        return self.client.get(url, headers=self.headers, **kw)

    def post(self, url, json=None, **kw):
        return self.client.post(url, json=json, headers=self.headers, **kw)

    def put(self, url, json=None, **kw):
        return self.client.put(url, json=json, headers=self.headers, **kw)

    def delete(self, url, **kw):
        return self.client.delete(url, headers=self.headers, **kw)


@pytest.fixture
def api(client):
    return lambda username: Api(client, username)


def future(days=30):
    return (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=days)).isoformat()


@pytest.fixture
def competition(api):
    r = api("sekretariat").post("/api/v1/competition/", json={
        "name": "Kompetisi Uji", "year": 2026, "submission_deadline": future()})
    assert r.status_code == 201, r.get_json()
    return r.get_json()["id"]


CHROMIUM = os.environ.get("SIKIPP_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]


@pytest.fixture
def live_server(app):
    """The test app served over real HTTP on a free loopback port."""
    import threading

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def browser_page():
    """A page in Debian's Chromium driven by Playwright (no browser download)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="id-ID")
        page.on("dialog", lambda dialog: dialog.accept())  # confirmations are accepted like a user would
        yield page
        browser.close()
