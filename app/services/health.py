"""Health checks behind ``GET /healthz`` (DESIGN §4): each is cheap, returns nothing personal and raises when
its dependency does not answer. The door (app/views/health.py) runs them and names the failing ones.

``storage`` asks the app's storage (``app/services/storage.py``, local directory or object store) for its own
cheap ``health_check()``: a small probe written, read back and removed.
"""
from flask import current_app
from sqlalchemy import text

from app.extensions import db
from app.services import storage


def check_database():
    with db.engine.connect() as connection:  # its own pooled connection (pre-pinged), not the request's session
        connection.execute(text("SELECT version_num FROM alembic_version LIMIT 1"))  # reads the schema, not a constant


def check_storage():
    """The app's storage takes, returns and removes a small probe (``Storage.health_check``)."""
    result = storage.get_storage().health_check()
    if not result.get("ok"):
        raise OSError(f"storage check failed: {result.get('detail')}")


def check_queue():
    """The job queue's storage answers (Redis with REDIS_URL, else the embedded SQLite queue)."""
    queue = current_app.extensions["huey"]
    queue.storage.queue_size()


CHECKS = {"database": check_database, "storage": check_storage, "queue": check_queue}


def dependency_of(name):
    """What a failing check depends on, for the operator reading /healthz (a kind, never a host or path): the queue
    and the login counters share REDIS_URL, so an unreachable Redis is named as such."""
    if name == "queue":
        return "Redis" if current_app.config.get("REDIS_URL") else "SQLite"
    if name == "database":
        return "PostgreSQL" if db.engine.dialect.name == "postgresql" else db.engine.dialect.name
    return None
