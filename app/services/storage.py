"""One storage interface for every stored file (DESIGN §6): attachments, signed decrees, certificates.

Callers name a file by a *key* (``attachments/<uuid>.pdf``, ``documents/decree-7.pdf``) and never by a path:
:func:`get_storage` returns the app's :class:`Storage`, built from its config by :func:`build_storage`
(``SIKIPP_STORAGE_URL``; default the local directory ``SIKIPP_STORAGE_DIR``). An object store
(``s3://bucket/prefix``, issue 14) is a second subclass registered in ``BACKENDS``; no caller changes.

Contract of every backend:

- :meth:`Storage.put` is atomic from a reader's view: the bytes go to a temporary ``.part`` name, are made
  durable, and only then appear under the key (a rename/link); a failure at any point leaves neither the key
  nor the ``.part`` behind. A key is never overwritten unless the caller asks (``replace=True``).
- Every failure of the underlying store, whatever its errno (ENOSPC, EROFS, EACCES, EIO, …), becomes a
  domain error: :class:`StorageWriteError` (507 Insufficient Storage) on writing, :class:`StorageReadError`
  (503) on reading, with a message in the user's language. The doors answer JSON on the API and a flash on
  screens; the command's transaction rolls back, so no row refers to a file that was not stored.
- :meth:`Storage.list` yields every key with its age, temporary ``.part`` names included (marked), so the
  recovery sweep (``app/services/recovery.py``) can remove what a crash left behind.
- :meth:`Storage.health_check` is cheap (for ``/healthz``): it writes, reads and removes a tiny probe.
"""
from __future__ import annotations

import errno
import hashlib
import logging
import os
import secrets
import time
from dataclasses import dataclass
from typing import BinaryIO, Iterator, Optional

from flask import current_app
from flask_babel import gettext as _

from app.services.errors import DomainError

log = logging.getLogger(__name__)

EXTENSION = "sikipp.storage"
PART_SUFFIX = ".part"


class StorageError(DomainError):
    """The file store failed (disk full, read-only, permission, I/O, object store down)."""

    status = 507
    errno: Optional[int] = None


class StorageWriteError(StorageError):
    status = 507

    def __init__(self, err: Optional[OSError] = None):
        super().__init__(_("The file could not be stored: the storage is full, read-only or unavailable. "
                           "Nothing was saved; try again later or contact the administrator."))
        self.errno = getattr(err, "errno", None)


class StorageReadError(StorageError):
    status = 503

    def __init__(self, err: Optional[OSError] = None):
        super().__init__(_("The stored file cannot be read right now: the storage is unavailable. "
                           "Try again later or contact the administrator."))
        self.errno = getattr(err, "errno", None)


@dataclass(frozen=True)
class StoredObject:
    key: str
    size: int
    mtime: float  # seconds since the epoch
    partial: bool = False  # a temporary name of an unfinished put

    def age(self, now: Optional[float] = None) -> float:
        return (now if now is not None else time.time()) - self.mtime


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def check_key(key: str) -> str:
    """Keys are relative, slash-separated, without empty, dot or dot-dot parts (never a path from a user)."""
    parts = key.split("/")
    if not key or any(p in ("", ".", "..") or p.startswith(".") or "\\" in p or "\x00" in p for p in parts):
        raise ValueError(f"invalid storage key {key!r}")
    return key


class Storage:
    """The interface. Subclasses implement the ``_``-less methods; all raise only :class:`StorageError`
    (and ``KeyError``-free: a missing key on read is a :class:`StorageReadError`)."""

    description = "storage"

    def put(self, key: str, data: bytes, *, durable: bool = True, replace: bool = False) -> str:
        """Store ``data`` under ``key`` atomically; returns its sha256. ``durable=False`` leaves the flush to
        :meth:`sync` (one barrier for a batch), which must return before any row refers to the key."""
        raise NotImplementedError

    def sync(self, keys) -> None:
        """Make the keys written with ``durable=False`` durable (contents and names)."""

    def open(self, key: str) -> BinaryIO:
        """A readable binary stream of the stored bytes."""
        raise NotImplementedError

    def read(self, key: str) -> bytes:
        stream = self.open(key)
        try:
            return stream.read()
        except OSError as err:
            raise StorageReadError(err) from err
        finally:
            stream.close()

    def exists(self, key: str) -> bool:
        raise NotImplementedError

    def delete(self, key: str) -> None:
        """Remove the key (no error if it is absent)."""
        raise NotImplementedError

    def list(self, prefix: str = "") -> Iterator[StoredObject]:
        """Every stored key under ``prefix`` (and temporary ``.part`` names, ``partial=True``)."""
        raise NotImplementedError

    def delete_listed(self, obj: StoredObject) -> None:
        """Remove an object yielded by :meth:`list`, temporary names included (the recovery sweep)."""
        raise NotImplementedError

    def health_check(self) -> dict:
        """Cheap probe for ``/healthz``: ``{"ok": bool, "detail": str}`` (write, read back, remove)."""
        key = f"health/probe-{secrets.token_hex(6)}"
        try:
            payload = b"ok"
            self.put(key, payload, durable=False)
            ok = self.read(key) == payload
            self.delete(key)
            return {"ok": ok, "detail": self.description if ok else "read back differs"}
        except StorageError as err:
            return {"ok": False, "detail": f"{type(err).__name__} errno={err.errno}"}

    def local_path(self, key: str) -> Optional[str]:
        """The file's path when the backend is a local directory (None otherwise). Not for reading: use open."""
        return None


class LocalStorage(Storage):
    """Files under one directory (``SIKIPP_STORAGE_DIR``): ``<root>/<key>``.

    put: ``<dir>/.<name>.<random>.part`` is created exclusively, written, fsynced, then hard-linked to the
    final name (never overwriting; ``replace=True`` renames over it), the ``.part`` removed and the directory
    fsynced. Any OSError removes both names it created and raises :class:`StorageWriteError`."""

    def __init__(self, root: str):
        self.root = os.path.abspath(root)
        self.description = f"local directory {self.root}"

    def _path(self, key: str) -> str:
        return os.path.join(self.root, *check_key(key).split("/"))

    def local_path(self, key: str) -> Optional[str]:
        return self._path(key)

    def _write(self, fh, data: bytes) -> None:
        """Write the bytes to the open temporary file (a test subclass may fail here like a full disk)."""
        fh.write(data)
        fh.flush()

    def put(self, key: str, data: bytes, *, durable: bool = True, replace: bool = False) -> str:
        final = self._path(key)
        folder, name = os.path.split(final)
        tmp = os.path.join(folder, f".{name}.{secrets.token_hex(4)}{PART_SUFFIX}")
        linked = False
        try:
            os.makedirs(folder, exist_ok=True)
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            with os.fdopen(fd, "wb") as fh:
                self._write(fh, data)
                if durable:
                    os.fsync(fh.fileno())
            os.chmod(tmp, 0o444)
            if replace:
                os.replace(tmp, final)
            else:
                os.link(tmp, final)  # fails if the name exists: a stored file is never overwritten
                linked = True
                os.unlink(tmp)
            linked = True
            if durable:
                _fsync_dir(folder)
        except OSError as err:
            _remove_quietly(tmp)
            if linked:
                _remove_quietly(final)
            log.error("storage write failed for %s: %s", key, err)
            raise StorageWriteError(err) from err
        return sha256(data)

    def sync(self, keys) -> None:
        folders = set()
        try:
            for key in keys:
                path = self._path(key)
                fd = os.open(path, os.O_RDONLY)
                try:
                    os.fsync(fd)
                finally:
                    os.close(fd)
                folders.add(os.path.dirname(path))
            for folder in folders:
                _fsync_dir(folder)
        except OSError as err:
            log.error("storage sync failed: %s", err)
            raise StorageWriteError(err) from err

    def open(self, key: str) -> BinaryIO:
        try:
            return open(self._path(key), "rb")
        except OSError as err:
            log.error("storage read failed for %s: %s", key, err)
            raise StorageReadError(err) from err

    def exists(self, key: str) -> bool:
        return os.path.exists(self._path(key))

    def delete(self, key: str) -> None:
        try:
            os.unlink(self._path(key))
        except FileNotFoundError:
            pass
        except OSError as err:
            log.error("storage delete failed for %s: %s", key, err)
            raise StorageWriteError(err) from err

    def list(self, prefix: str = "") -> Iterator[StoredObject]:
        base = os.path.join(self.root, *prefix.split("/")) if prefix else self.root
        if not os.path.isdir(base):
            return
        try:
            for folder, dirs, files in os.walk(base):
                dirs.sort()
                rel = os.path.relpath(folder, self.root)
                for name in sorted(files):
                    path = os.path.join(folder, name)
                    try:
                        st = os.stat(path)
                    except FileNotFoundError:
                        continue
                    key = name if rel == "." else f"{rel.replace(os.sep, '/')}/{name}"
                    yield StoredObject(key, st.st_size, st.st_mtime,
                                       partial=name.startswith(".") and name.endswith(PART_SUFFIX)
                                       or name.startswith(".partial-"))
        except OSError as err:
            raise StorageReadError(err) from err

    def delete_listed(self, obj: StoredObject) -> None:
        """Remove a listed object, temporary names included (the recovery sweep)."""
        try:
            os.unlink(os.path.join(self.root, *obj.key.split("/")))
        except FileNotFoundError:
            pass
        except OSError as err:
            raise StorageWriteError(err) from err


def _fsync_dir(folder: str) -> None:
    """Make the directory's entries (new names, removed temporary names) durable."""
    if os.name == "nt":  # pragma: no cover - a directory cannot be opened there
        return
    fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    except OSError as exc:
        if exc.errno != errno.EINVAL:  # a file system that does not sync directories
            raise
    finally:
        os.close(fd)


def _remove_quietly(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    except OSError:  # the store is failing already: the sweep removes it later
        log.exception("could not remove %s", path)


BACKENDS = {"file": lambda url, config: LocalStorage(url.split("://", 1)[1] if "://" in url else url)}


def build_storage(config) -> Storage:
    """The storage named by ``SIKIPP_STORAGE_URL`` (``file:///dir``; ``s3://…`` once its backend exists),
    else the local directory ``SIKIPP_STORAGE_DIR``."""
    url = config.get("SIKIPP_STORAGE_URL") or ""
    if not url:
        return LocalStorage(config["SIKIPP_STORAGE_DIR"])
    scheme = url.split("://", 1)[0] if "://" in url else "file"
    if scheme not in BACKENDS:
        raise RuntimeError(f"SIKIPP_STORAGE_URL: no storage backend for {scheme!r} in this version "
                           f"(available: {', '.join(sorted(BACKENDS))})")
    return BACKENDS[scheme](url, config)


def init_app(app) -> Storage:
    app.extensions[EXTENSION] = build_storage(app.config)
    return app.extensions[EXTENSION]


def get_storage(app=None) -> Storage:
    """The app's storage (default: the current app's)."""
    return (app or current_app).extensions[EXTENSION]

