"""Issued PDFs (decrees, certificates) in the app's storage (``app/services/storage.py``) under
``documents/<stored name>``, written once and never changed.

A file is stored (atomically, durably) before its database row is committed. A crash in between leaves an
unreferenced file (no row points to it: nothing was issued), which the recovery sweep removes
(``app/services/recovery.py``); a row never points to a missing or partial file.

Durability: :func:`write_once` makes the file durable itself (one document, e.g. a decree inside its
transaction). A batch of certificates is written with ``durable=False`` and made durable together by
:func:`make_durable` before the one commit that records the batch.

A decree's file is named after the decree (``decree-<id>.pdf``, :func:`decree_name`): only the transaction that
holds the decree's ``sign`` transition (the row's conditional UPDATE, so one at a time) writes it, and it
replaces whatever an earlier, crashed attempt left under that name — a signed file carrying a number that
was never committed can never sit beside the decree that later takes that number.
"""
from app.services.storage import get_storage, sha256  # noqa: F401  (sha256: the documents' digest)

PREFIX = "documents/"


def key(stored_name):
    return PREFIX + stored_name.rsplit("/", 1)[-1]


def new_stored_name(prefix):
    import secrets

    return f"{prefix}-{secrets.token_hex(12)}.pdf"


def decree_name(decree_id):
    return f"decree-{int(decree_id)}.pdf"


def write_once(stored_name, data, durable=True, replace=False):
    """Store ``data`` under ``stored_name``. With ``durable=False`` the caller must call :func:`make_durable`
    on the name before committing any row that refers to it."""
    return get_storage().put(key(stored_name), data, durable=durable, replace=replace)


def make_durable(stored_names):
    get_storage().sync([key(n) for n in stored_names])


def read(stored_name):
    return get_storage().read(key(stored_name))


def stored_sha256(stored_name):
    """The stored file's sha256, read as a stream (None when it is missing)."""
    return get_storage().sha256_of(key(stored_name))


def open_stream(stored_name):
    return get_storage().open(key(stored_name))


def discard(stored_name):
    """Remove a file that will not be recorded; a failing store leaves it to the recovery sweep."""
    from app.services.storage import StorageError

    try:
        get_storage().delete(key(stored_name))
    except StorageError:
        pass
