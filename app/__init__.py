"""SIKIPP application factory: wires config, extensions, models, lifecycles, views, APIs and CLI."""
import logging
import os

from flask import Flask
from sqlalchemy import event, inspect
from sqlalchemy.engine import Engine

import config as default_config
from app.extensions import csrf, db, migrate

log = logging.getLogger(__name__)
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class InsecureConfiguration(RuntimeError):
    pass


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    """SQLite enforces foreign keys only when asked, per connection."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()


def create_app(config=None):
    """Build the app. ``config`` is a mapping that overrides the environment-driven ``config.py``."""
    from flask_appbuilder import AppBuilder

    app = Flask(__name__, template_folder=os.path.join(ROOT, "templates"),
                static_folder=os.path.join(ROOT, "static"), instance_path=default_config.INSTANCE_DIR)
    app.config.from_object(default_config)
    if config:
        app.config.update(config)
    if isinstance(app.config.get("FAB_PASSWORD_COMPLEXITY_VALIDATOR"), str):  # FAB calls it: a function
        from werkzeug.utils import import_string

        app.config["FAB_PASSWORD_COMPLEXITY_VALIDATOR"] = import_string(app.config["FAB_PASSWORD_COMPLEXITY_VALIDATOR"])
    if (app.config["SECRET_KEY"] == default_config.DEV_SECRET_KEY
            and not (app.debug or app.testing or os.environ.get("SIKIPP_DEV") == "1")):
        raise InsecureConfiguration(
            "SECRET_KEY is the development default: set SECRET_KEY in the environment "
            "(or SIKIPP_DEV=1 for a local development server)."
        )
    for name in ("SIKIPP_DOCUMENT_PAPER", "SIKIPP_CERTIFICATE_PAPER"):
        if str(app.config.get(name) or "").upper() not in ("A4", "F4"):
            raise ValueError(f"{name} must be A4 or F4, not {app.config.get(name)!r}")
    from app.services import decrees

    if decrees.manual_numbering(app.config) and not decrees.paraf_chain(app.config):
        # The manual number is entered at the last paraf: without a chain no decree could ever be signed.
        raise ValueError("SIKIPP_DECREE_NUMBER_SOURCE=manual needs a paraf chain (SIKIPP_DECREE_PARAF_CHAIN): "
                         "the number reserved from the regency's register is entered at the last paraf.")
    from app import observability

    observability.configure_logging(app)
    hops = int(app.config.get("SIKIPP_TRUSTED_PROXY_HOPS") or 0)
    if hops > 0:  # behind that many reverse proxies: client address, scheme, host and port from X-Forwarded-*
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops)
    observability.init_request_log(app)
    os.makedirs(app.instance_path, exist_ok=True)
    if not app.config.get("SIKIPP_STORAGE_URL"):
        os.makedirs(app.config["SIKIPP_STORAGE_DIR"], exist_ok=True)
    from app.services import storage

    storage.init_app(app)  # the one file store (local directory; object store by SIKIPP_STORAGE_URL)

    db.init_app(app)
    csrf.init_app(app)  # before add_api: APIs stay exempt, forms are protected
    migrate.init_app(app, db, directory=os.path.join(ROOT, "migrations"), render_as_batch=True)
    from app import jobs

    jobs.register(app)  # this app's huey (from its config), its tasks and its outbox handlers

    with app.app_context():
        appbuilder = AppBuilder(update_perms=False, base_template="sikipp/base.html")  # layout + static/js/sikipp.js; permissions are synced explicitly (sync_security)
        appbuilder.init_app(app, db.session)
        from app import registry

        registry.register(app, appbuilder)
        if schema_ready():
            sync_security(appbuilder)
    from app.cli import kipp

    app.cli.add_command(kipp)
    return app


def schema_ready():
    """True once migrations have created the schema (a fresh database is migrated first)."""
    tables = set(inspect(db.engine).get_table_names())
    return {"ab_permission_view", "seeded_permission", "workflow_history"} <= tables


def sync_security(appbuilder):
    """Ensure roles, permissions and workflow trigger permissions exist (never undoing an Admin's change)."""
    from app import registry

    try:
        appbuilder.sm.sync_role_definitions(extra_permissions=registry.workflow_permissions())
    except Exception:
        db.session.rollback()
        log.exception("Could not synchronise roles and permissions")
        raise
