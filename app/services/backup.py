"""Backup and restore (DESIGN §6, issue 13 item 7): ``kipp backup PATH`` / ``kipp restore PATH``.

One archive (tar, gzip) holds:

- ``manifest.json``: format and version, time, database dialect and Alembic revision, the database file's
  sha256, and every stored file's key, size and sha256;
- ``database.sqlite3`` (SQLite's online backup API: a consistent copy while the app runs) or
  ``database.pgdump`` (``pg_dump --format=custom`` in an exported snapshot);
- ``files/<key>``: every stored file under ``attachments/`` and ``documents/`` (read through the storage
  interface, so an object store is backed up the same way).

Consistency: the database is copied first, the files after it. Files are always stored before the row that
refers to them is committed, so every file the copied database refers to existed when it was copied; each is
checked against the copy's rows (``stored_name`` + sha256 for documents) and a file missing or changed
meanwhile (an attachment removed during the backup) fails the backup with a clear message: run it again.
Files no row refers to are left out (they are what a crash left behind).

Restore refuses a target that is not empty (any table in the database, any file in the storage), checks every
file's sha256 against the manifest, stores the files through the storage interface, then loads the database
(SQLite backup API into the configured file; ``pg_restore`` into the configured PostgreSQL database).
"""
import datetime
import hashlib
import io
import json
import logging
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import time

from sqlalchemy import inspect, text

from app.services.storage import get_storage

log = logging.getLogger(__name__)

FORMAT = "sikipp-backup"
VERSION = 1
FILE_PREFIXES = ("attachments/", "documents/")


class BackupError(Exception):
    """A backup or restore that cannot be done (the message says why, for the operator)."""


def _dialect(engine):
    return engine.url.get_backend_name()


def _sha256_file(path):
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _libpq(engine):
    """(connection URI without password, environment with PGPASSWORD) for pg_dump/pg_restore."""
    url = engine.url
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = url.password
    uri = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    return uri, env


def _tool(name):
    path = shutil.which(name)
    if not path:
        raise BackupError(f"{name} is not installed (Debian: apt-get install postgresql-client).")
    return path


# -- backup ------------------------------------------------------------------------------------------


def _dump_sqlite(engine, target):
    source = engine.url.database
    if not source or source == ":memory:":
        raise BackupError("An in-memory SQLite database cannot be backed up.")
    src = sqlite3.connect(source)
    dst = sqlite3.connect(target)
    try:
        with dst:
            src.backup(dst)  # online: a consistent copy while the app keeps working
        return _referenced_sqlite(dst)
    finally:
        dst.close()
        src.close()


def _referenced_sqlite(conn):
    docs = dict(conn.execute("SELECT stored_name, sha256 FROM issued_document").fetchall())
    attachments = dict(conn.execute("SELECT stored_name, sha256 FROM attachment").fetchall())
    revision = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    return docs, attachments, revision[0] if revision else None


def _dump_postgresql(engine, target):
    """pg_dump in the snapshot of an open REPEATABLE READ transaction, whose rows list the referenced files."""
    uri, env = _libpq(engine)
    with engine.connect() as conn:
        conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar_one()
            docs = dict(conn.execute(text("SELECT stored_name, sha256 FROM issued_document")).all())
            attachments = dict(conn.execute(text("SELECT stored_name, sha256 FROM attachment")).all())
            revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
            done = subprocess.run([_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges",
                                   f"--snapshot={snapshot}", f"--file={target}", uri],
                                  env=env, capture_output=True, text=True)
            if done.returncode != 0:
                raise BackupError(f"pg_dump failed: {done.stderr.strip()}")
    return docs, attachments, revision


def create_backup(path, engine, store=None):
    """Write the archive ``path``; returns the manifest (with ``seconds`` and ``bytes``)."""
    store = store or get_storage()
    started = time.monotonic()
    dialect = _dialect(engine)
    if dialect not in ("sqlite", "postgresql"):
        raise BackupError(f"Backups support SQLite and PostgreSQL, not {dialect}.")
    if os.path.exists(path):
        raise BackupError(f"{path} exists already: choose a new file name.")
    with tempfile.TemporaryDirectory(prefix="sikipp-backup-") as work:
        db_name = "database.sqlite3" if dialect == "sqlite" else "database.pgdump"
        db_file = os.path.join(work, db_name)
        if dialect == "sqlite":
            docs, attachments, revision = _dump_sqlite(engine, db_file)
        else:
            docs, attachments, revision = _dump_postgresql(engine, db_file)
        wanted = {f"documents/{name}": sha for name, sha in docs.items()}
        wanted.update({f"attachments/{name}": sha for name, sha in attachments.items()})
        manifest = {"format": FORMAT, "version": VERSION,
                    "created_at": datetime.datetime.now(datetime.timezone.utc).isoformat(),
                    "database": {"dialect": dialect, "file": db_name, "sha256": _sha256_file(db_file),
                                 "alembic_revision": revision},
                    "files": []}
        tmp_path = f"{path}.part"
        try:
            with tarfile.open(tmp_path, "w:gz", compresslevel=6) as tar:
                tar.add(db_file, arcname=db_name)
                for key in sorted(wanted):
                    data = store.read(key)
                    digest = hashlib.sha256(data).hexdigest()
                    if digest != wanted[key]:
                        raise BackupError(f"The stored file {key} does not match its database row "
                                          f"(changed during the backup?): run the backup again.")
                    _add_bytes(tar, f"files/{key}", data)
                    manifest["files"].append({"key": key, "size": len(data), "sha256": digest})
                _add_bytes(tar, "manifest.json", json.dumps(manifest, indent=1, sort_keys=True).encode())
            os.replace(tmp_path, path)
        except BaseException:
            if os.path.exists(tmp_path):
                os.unlink(tmp_path)
            raise
    manifest["seconds"] = round(time.monotonic() - started, 3)
    manifest["bytes"] = os.path.getsize(path)
    return manifest


def _add_bytes(tar, name, data):
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(time.time())
    info.mode = 0o644
    tar.addfile(info, io.BytesIO(data))


# -- restore -----------------------------------------------------------------------------------------


def target_problems(engine, store=None):
    """Why the target is not empty (a list of messages; empty list: restore may proceed)."""
    store = store or get_storage()
    problems = []
    tables = inspect(engine).get_table_names()
    if tables:
        problems.append(f"the database is not empty ({len(tables)} tables, e.g. {', '.join(sorted(tables)[:3])})")
    for prefix in FILE_PREFIXES:
        for obj in store.list(prefix):
            if not obj.partial:
                problems.append(f"the storage is not empty (e.g. {obj.key})")
                break
    return problems


def read_manifest(tar):
    try:
        manifest = json.loads(tar.extractfile("manifest.json").read())
    except (KeyError, ValueError, AttributeError):
        raise BackupError("This is not a SIKIPP backup (no readable manifest.json).") from None
    if manifest.get("format") != FORMAT or manifest.get("version") != VERSION:
        raise BackupError("This is not a SIKIPP backup of a supported version.")
    return manifest


def restore_backup(path, engine, store=None):
    """Restore the archive ``path`` into the configured (empty) database and storage; returns the manifest."""
    store = store or get_storage()
    started = time.monotonic()
    if not os.path.isfile(path):
        raise BackupError(f"{path}: no such backup file.")
    dialect = _dialect(engine)
    try:
        tar = tarfile.open(path, "r:gz")
    except (tarfile.TarError, OSError) as err:
        raise BackupError(f"{path} is not a readable backup archive ({err}).") from None
    with tar, tempfile.TemporaryDirectory(prefix="sikipp-restore-") as work:
        manifest = read_manifest(tar)
        source = manifest["database"]["dialect"]
        if source != dialect:
            raise BackupError(f"The backup is of a {source} database; the configured database is {dialect}.")
        problems = target_problems(engine, store)
        if problems:
            raise BackupError("Restore refused: the target must be empty, but " + "; ".join(problems) + ".")
        db_file = os.path.join(work, "database.restore")  # never a name from the archive (no path traversal)
        member = tar.extractfile(manifest["database"]["file"])
        if member is None:
            raise BackupError("The backup has no database file.")
        with open(db_file, "wb") as out:
            shutil.copyfileobj(member, out)
        if _sha256_file(db_file) != manifest["database"]["sha256"]:
            raise BackupError("The backup's database file is damaged (sha256 differs from the manifest).")
        files = []
        for entry in manifest["files"]:  # check every file before anything is written
            member = tar.extractfile(f"files/{entry['key']}")
            data = member.read() if member is not None else b""
            if hashlib.sha256(data).hexdigest() != entry["sha256"]:
                raise BackupError(f"The backup's file {entry['key']} is damaged (sha256 differs).")
            files.append((entry["key"], data))
        stored = []
        try:
            for key, data in files:
                store.put(key, data, durable=False)
                stored.append(key)
            store.sync(stored)
            engine.dispose()
            if dialect == "sqlite":
                _load_sqlite(engine, db_file)
            else:
                _load_postgresql(engine, db_file)
        except BaseException:
            for key in stored:
                store.delete(key)
            raise
    manifest["seconds"] = round(time.monotonic() - started, 3)
    return manifest


def _load_sqlite(engine, db_file):
    target = engine.url.database
    src = sqlite3.connect(db_file)
    dst = sqlite3.connect(target)
    try:
        with dst:
            src.backup(dst)
    finally:
        dst.close()
        src.close()


def _load_postgresql(engine, db_file):
    uri, env = _libpq(engine)
    done = subprocess.run([_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error",
                           "--single-transaction", f"--dbname={uri}", db_file], env=env, capture_output=True,
                          text=True)
    if done.returncode != 0:
        raise BackupError(f"pg_restore failed: {done.stderr.strip()}")
