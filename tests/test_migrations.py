"""The Alembic migrations own the schema (DESIGN §6): on a fresh database they build exactly the models'
schema, go down to nothing again, and the first start on the migrated database seeds roles fully."""
import os

import pytest
from sqlalchemy import create_engine, inspect, text

from tests.conftest import PG_ADMIN_URL, _worker

BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(params=BACKENDS)
def fresh_url(request, tmp_path):
    """A new, empty database: a SQLite file, or (SIKIPP_TEST_DATABASE=postgresql) a PostgreSQL database."""
    if request.param == "sqlite":
        yield "sqlite:///" + str(tmp_path / "fresh.db")
        return
    if os.environ.get("SIKIPP_TEST_DATABASE") != "postgresql":
        pytest.skip("PostgreSQL runs with SIKIPP_TEST_DATABASE=postgresql")
    name = f"sikipp_migr_{_worker()}_{os.getpid()}"  # the pid keeps concurrent runs apart
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def fresh_app(fresh_url, tmp_path):
    from app import create_app
    from app.extensions import db

    application = create_app({
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": fresh_url,
        "SIKIPP_STORAGE_DIR": str(tmp_path / "storage"),
        "WTF_CSRF_ENABLED": False,
    })
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


def _differences(db):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from flask_appbuilder import Model

    import app.models  # noqa: F401  (every table on Model.metadata)

    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(context, Model.metadata)


def _tables(db):
    return set(inspect(db.engine).get_table_names())


def test_single_migration_head():
    """Two engineers adding migrations in parallel must not leave two heads (upgrade would refuse)."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    cfg = Config(os.path.join(root, "migrations", "alembic.ini"))
    cfg.set_main_option("script_location", os.path.join(root, "migrations"))
    heads = ScriptDirectory.from_config(cfg).get_heads()
    assert len(heads) == 1, heads


def test_fresh_database_upgrade_first_start_restart_and_downgrade(fresh_app, fresh_url, tmp_path):
    from flask_appbuilder import Model
    from flask_migrate import downgrade, upgrade

    from app import create_app, sync_security
    from app.extensions import db
    from app.security import ROLES

    with fresh_app.app_context():
        # 1. The app factory created nothing (no create_all); the migrations build exactly the models.
        assert _tables(db) == set()
        upgrade()
        model_tables = set(Model.metadata.tables)
        assert model_tables <= _tables(db), model_tables - _tables(db)
        assert {"unit", "innovation", "seeded_permission", "workflow_history", "ab_user"} <= _tables(db)
        diff = _differences(db)
        assert diff == [], "models and migrations differ:\n" + "\n".join(map(str, diff))

        # 2. The first start after `db upgrade` seeds every role; the Admin gets every permission.
        #    Regression: the Admin used to get only some (FAB skipped the rest while the role did not
        #    exist yet), depending on set order.
        sync_security(fresh_app.appbuilder)
        sm = fresh_app.appbuilder.sm
        all_pvs = {(pv.permission.name, pv.view_menu.name) for pv in db.session.query(sm.permissionview_model)}
        admin = {(pv.permission.name, pv.view_menu.name) for pv in sm.find_role("Admin").permissions}
        assert all_pvs - admin == set()
        for resource in ("Unit", "Competition", "Round", "Criterion", "Innovation", "Assignment", "Decree"):
            for perm in ("can_read", "can_add", "can_edit", "can_delete"):
                assert (perm, resource) in admin
        assert {r.name for r in sm.get_all_roles()} >= set(ROLES)
        snapshot = {r.name: {(p.permission.name, p.view_menu.name) for p in r.permissions}
                    for r in sm.get_all_roles()}

    # 3. A restart (a new app on the same database) seeds nothing new and removes nothing.
    again = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": fresh_url,
                        "SIKIPP_STORAGE_DIR": str(tmp_path / "storage")})
    with again.app_context():
        sm = again.appbuilder.sm
        after = {r.name: {(p.permission.name, p.view_menu.name) for p in r.permissions}
                 for r in sm.get_all_roles()}
        db.session.remove()
        db.engine.dispose()
    assert after == snapshot

    with fresh_app.app_context():
        # 4. Down to nothing, and back up again: the downgrade left nothing behind that breaks an upgrade.
        db.session.remove()
        downgrade(revision="base")
        assert _tables(db) <= {"alembic_version"}, _tables(db)
        upgrade()
        assert _differences(db) == []


def test_upgrading_a_database_that_holds_data(fresh_app):
    """An existing installation upgrades with its rows in place: the SQLite batch migrations rebuild tables that
    other rows reference (innovation, competition), which failed with "FOREIGN KEY constraint failed" while the
    connection enforced foreign keys; the references survive the rebuild and still hold afterwards."""
    import datetime

    from flask_migrate import upgrade

    from app.extensions import db

    with fresh_app.app_context():
        upgrade(revision="c3c0ffee0011")  # the schema of the release before issue 12
        now = datetime.datetime(2026, 1, 5, 8, 0)
        with db.engine.begin() as conn:
            unit = _insert(conn, "unit", code="U1", name="Dinas Satu", kind="opd")
            comp = _insert(conn, "competition", name="KIPP 2025", year=2025, submission_deadline=now,
                           min_implementation_years=2, max_attachment_mb=5)
            inn = _insert(conn, "innovation", competition_id=comp, unit_id=unit, title="  SIPRAJA  Desa ",
                          state="submitted", version=1, created_on=now, changed_on=now)
            _insert(conn, "attachment", innovation_id=inn, original_name="sk.pdf", stored_name="x.pdf",
                    size_bytes=10, sha256="0" * 64)
        upgrade()
        with db.engine.connect() as conn:
            row = conn.execute(text("SELECT title, title_normalized, lineage_id, \"group\" FROM innovation")).one()
            assert row[0] == "  SIPRAJA  Desa " and row[1] == "sipraja desa" and row[2] and row[3] == "umum"
            assert conn.execute(text("SELECT innovation_id FROM attachment")).scalar() == inn
            if db.engine.dialect.name == "sqlite":
                assert conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall() == []
                assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1  # enforced again afterwards
        assert _differences(db) == []


def _insert(conn, table, **values):
    """Insert a row into ``table`` as the database has it now (an older schema): required columns the test does
    not care about get a value of their type. Returns the new id."""
    import datetime

    from sqlalchemy import Boolean, DateTime, Integer, MetaData, Numeric, String, Table

    t = Table(table, MetaData(), autoload_with=conn)
    for column in t.columns:
        if column.name in values or column.nullable or column.primary_key or column.server_default is not None:
            continue
        kind = column.type
        values[column.name] = (False if isinstance(kind, Boolean) else 0 if isinstance(kind, (Integer, Numeric))
                               else datetime.datetime(2026, 1, 5) if isinstance(kind, DateTime)
                               else "x" if isinstance(kind, String) else "[]")
    return conn.execute(t.insert().values(**values)).inserted_primary_key[0]
