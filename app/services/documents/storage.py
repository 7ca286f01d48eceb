"""Issued PDFs on disk (``SIKIPP_STORAGE_DIR/documents``), written once and never changed.

A file is written under a fresh name (temporary file, then a hard link to its final name: never overwritten),
made durable, and only then is its database row committed. A crash in between leaves an unreferenced file (no
row points to it: nothing was issued), which :func:`remove_orphans` may clean up; a row never points to a
missing or partial file.

Durability: :func:`write_once` fsyncs the file itself (one document, e.g. a decree inside its transaction).
A batch of certificates is written with ``durable=False`` and made durable together by :func:`make_durable`
— every file fsynced, then the directory once, so that the new names survive a power loss too — before the
one commit that records the batch. Nothing is committed before ``make_durable`` has returned without error.
"""
import errno
import hashlib
import os
import secrets
import tempfile


def documents_dir(storage_dir):
    path = os.path.join(storage_dir, "documents")
    os.makedirs(path, exist_ok=True)
    return path


def new_stored_name(prefix):
    return f"{prefix}-{secrets.token_hex(12)}.pdf"


def write_once(storage_dir, stored_name, data, durable=True):
    """Store ``data`` under the new name ``stored_name``. With ``durable=False`` the caller must call
    :func:`make_durable` on the name before committing any row that refers to it."""
    folder = documents_dir(storage_dir)
    final = os.path.join(folder, stored_name)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".partial-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            if durable:
                os.fsync(fh.fileno())
        os.chmod(tmp, 0o444)
        os.link(tmp, final)  # fails if the name exists: a stored document is never overwritten
    finally:
        os.unlink(tmp)
    if durable:
        _fsync_dir(folder)
    return final


def make_durable(storage_dir, stored_names):
    """fsync the files ``stored_names`` (written with ``durable=False``), then their directory once: after
    this returns, their contents and their names are on stable storage. Raises OSError otherwise."""
    folder = documents_dir(storage_dir)
    for name in stored_names:
        fd = os.open(os.path.join(folder, os.path.basename(name)), os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    if stored_names:
        _fsync_dir(folder)


def _fsync_dir(folder):
    """Make the directory's entries (new names, removed temporary names) durable."""
    if os.name == "nt":  # a directory cannot be opened there; the file fsync is what Windows offers
        return
    fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    except OSError as exc:
        if exc.errno != errno.EINVAL:  # a file system that does not sync directories (nothing more to do)
            raise
    finally:
        os.close(fd)


def read(storage_dir, stored_name):
    with open(os.path.join(documents_dir(storage_dir), os.path.basename(stored_name)), "rb") as fh:
        return fh.read()


def discard(storage_dir, stored_name):
    try:
        os.unlink(os.path.join(documents_dir(storage_dir), os.path.basename(stored_name)))
    except FileNotFoundError:
        pass


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def remove_orphans(storage_dir, prefix, referenced, min_age_seconds=600):
    """Delete files named ``prefix*`` that no database row references (left by a crash before commit).
    Only files older than ``min_age_seconds``: a younger one may belong to a worker about to commit."""
    import time

    folder = documents_dir(storage_dir)
    removed = 0
    limit = time.time() - min_age_seconds
    for name in os.listdir(folder):
        if (name.startswith(prefix) and name not in referenced) or name.startswith(".partial-"):
            path = os.path.join(folder, name)
            try:
                if os.path.getmtime(path) > limit:
                    continue
                os.unlink(path)
                removed += 1
            except FileNotFoundError:
                pass
    return removed
