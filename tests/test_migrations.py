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
