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
DOMAIN_TABLES = ["external_award", "replication", "sustainability", "notification", "objection", "announcement_entry", "announcement", "score", "score_sheet", "assignment",
                 "issued_document", "decree_award", "award", "unit_award", "decree_paraf", "signer_profile", "decree",
                 "attachment", "innovation", "criterion", "round", "competition", "workflow_history",
                 "workflow_outbox", "audit_log"]
DOMAIN_TABLES.insert(0, "nomination")  # nomination upward (issue 12 item 8)


# Tests that must run alone, after the parallel suite, each in its own pytest run without xdist (scripts/test on
# the PostgreSQL run): ``pg_restart`` restarts the shared PostgreSQL server (it would cut the connections of every
# other test); ``multihost`` starts gunicorn hosts and job consumers of its own on one database, one Redis database
# and one bucket (tests/test_multihost.py: heavy, and its consumers would take any job queued beside them).
ALONE_MARKERS = ("pg_restart", "multihost")


def pytest_collection_modifyitems(config, items):
    """Tests marked with one of ``ALONE_MARKERS`` run only when selected by that mark (``-m pg_restart``,
    ``-m multihost``), never within the suite."""
    selected = config.getoption("markexpr") or ""
    left_out = [marker for marker in ALONE_MARKERS if marker not in selected]
    kept = [item for item in items if not any(item.get_closest_marker(m) for m in left_out)]
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


# -- storage backends (issue 14): a real S3 server (SeaweedFS, tests/s3_helpers.py) ---------------------------


@pytest.fixture(scope="session")
def s3_server():
    """One SeaweedFS ``weed server -s3`` per xdist worker, started on first use (~3 s), stopped at the end."""
    from tests.s3_helpers import start_seaweedfs

    server = start_seaweedfs()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def s3_bucket(s3_server):
    """This worker's bucket; each test gets its own prefix in it (a new bucket per test would grow SeaweedFS
    volumes for every one: slow)."""
    return s3_server.make_bucket()


@pytest.fixture(params=["local", "s3"])
def storage_backend(request, app, tmp_path, monkeypatch):
    """The app's storage for this test, on both backends: a fresh local directory, or a fresh prefix of this
    worker's bucket on the real S3 server. Installed as the app's storage for the test."""
    import uuid

    from app.services.storage import EXTENSION, LocalStorage

    if request.param == "local":
        store = LocalStorage(str(tmp_path / "storage"))
    else:
        server = request.getfixturevalue("s3_server")
        store = server.storage(request.getfixturevalue("s3_bucket"), f"t-{uuid.uuid4().hex[:12]}")
    monkeypatch.setitem(app.extensions, EXTENSION, store)
    return store
