"""Issued PDFs on disk (``SIKIPP_STORAGE_DIR/documents``), written once and never changed.

A file is written under a fresh name (temporary file, fsync, rename), then its database row is committed.
A crash in between leaves an unreferenced file (no row points to it: nothing was issued), which
:func:`remove_orphans` may clean up; a row never points to a missing or partial file.
"""
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


def write_once(storage_dir, stored_name, data):
    folder = documents_dir(storage_dir)
    final = os.path.join(folder, stored_name)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".partial-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o444)
        os.link(tmp, final)  # fails if the name exists: a stored document is never overwritten
    finally:
        os.unlink(tmp)
    return final


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
