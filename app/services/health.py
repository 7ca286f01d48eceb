"""Health checks behind ``GET /healthz`` (DESIGN §4): each is cheap, returns nothing personal and raises when
its dependency does not answer. The door (app/views/health.py) runs them and names the failing ones.

``storage`` checks that the storage directory takes a small file (written, read back, removed); a storage
backend that offers its own ``health_check()`` can replace :func:`check_storage` in :data:`CHECKS`.
"""
import os
import uuid

from flask import current_app
from sqlalchemy import text

from app.extensions import db


def check_database():
    with db.engine.connect() as connection:  # its own pooled connection (pre-pinged), not the request's session
        connection.execute(text("SELECT version_num FROM alembic_version LIMIT 1"))  # reads the schema, not a constant


def check_storage():
    directory = current_app.config["SIKIPP_STORAGE_DIR"]
    path = os.path.join(directory, f".healthz-{uuid.uuid4().hex}")
    try:
        with open(path, "wb") as fh:
            fh.write(b"ok")
        with open(path, "rb") as fh:
            if fh.read() != b"ok":
                raise OSError("storage returned other bytes than written")
    finally:
        try:
            os.remove(path)
        except FileNotFoundError:
            pass


def check_queue():
    """The job queue's storage answers (Redis with REDIS_URL, else the embedded SQLite queue)."""
    queue = current_app.extensions["huey"]
    queue.storage.queue_size()


CHECKS = {"database": check_database, "storage": check_storage, "queue": check_queue}
