"""One storage interface for every stored file (DESIGN §6): attachments, signed decrees, certificates.

Callers name a file by a *key* (``attachments/<uuid>.pdf``, ``documents/decree-7.pdf``) and never by a path:
:func:`get_storage` returns the app's :class:`Storage`, built from its config by :func:`build_storage`
(``SIKIPP_STORAGE_URL``; default the local directory ``SIKIPP_STORAGE_DIR``). An object store
(``s3://bucket/prefix``, issue 14: :class:`S3Storage`) is the second subclass registered in ``BACKENDS``; no
caller changes.

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
import io
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
    upload_id: Optional[str] = None  # an unfinished multipart upload of an object store

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

    def sha256_of(self, key: str) -> Optional[str]:
        """The stored bytes' sha256, read as a stream (never the whole file in memory); None when absent."""
        if not self.exists(key):
            return None
        digest = hashlib.sha256()
        stream = self.open(key)
        try:
            for chunk in iter(lambda: stream.read(1 << 20), b""):
                digest.update(chunk)
        except OSError as err:
            raise StorageReadError(err) from err
        finally:
            stream.close()
        return digest.hexdigest()

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


_CLIENTS: dict = {}  # (pid, settings) -> boto3 S3 client


class S3Storage(Storage):
    """Objects in an S3-compatible store (``SIKIPP_STORAGE_URL=s3://bucket/prefix``; AWS S3, SeaweedFS, MinIO…):
    ``<prefix>/<key>`` in ``bucket``, credentials and endpoint from ``AWS_ACCESS_KEY_ID``,
    ``AWS_SECRET_ACCESS_KEY``, ``AWS_ENDPOINT_URL`` (else boto3's own chain: environment, profile, role).

    put: one PUT of the whole body (S3 makes an object visible only once it is complete, so no reader ever sees a
    partial one), or above :attr:`multipart_threshold` a multipart upload that is completed only after every part
    arrived and aborted on any failure (its parts never appear under the key; an upload a crash left open is
    listed as ``partial`` and aborted by the recovery sweep). ``replace=False`` sends ``If-None-Match: *``: a
    stored file is never overwritten. The sha256 travels as object metadata (``x-amz-meta-sha256``), which
    ``kipp storage migrate`` compares to skip what is already there. A completed PUT is durable: ``sync`` has
    nothing to do.

    Reads stream: :meth:`open` returns the response body, read in chunks (no whole object in memory).

    Any failure of the store (an error answer, a refused connection, a timeout, a dropped stream) becomes
    :class:`StorageWriteError` (507) or :class:`StorageReadError` (503), like a failing disk."""

    multipart_threshold = 32 * 1024 * 1024
    part_size = 8 * 1024 * 1024
    chunk_size = 256 * 1024  # streamed downloads read the body this much at a time

    def __init__(self, bucket: str, prefix: str = "", *, endpoint_url: Optional[str] = None,
                 access_key: Optional[str] = None, secret_key: Optional[str] = None, region: Optional[str] = None,
                 connect_timeout: float = 5, read_timeout: float = 15, max_attempts: int = 2):
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.endpoint_url = endpoint_url or None
        self._settings = dict(access_key=access_key, secret_key=secret_key, region=region,
                              connect_timeout=connect_timeout, read_timeout=read_timeout, max_attempts=max_attempts)
        self.description = f"object store s3://{bucket}/{self.prefix}" + (f" at {endpoint_url}" if endpoint_url else "")

    @classmethod
    def from_url(cls, url: str, config) -> "S3Storage":
        rest = url.split("://", 1)[1]
        bucket, _slash, prefix = rest.partition("/")
        if not bucket:
            raise RuntimeError("SIKIPP_STORAGE_URL: s3://bucket/prefix needs a bucket name")
        return cls(bucket, prefix, endpoint_url=config.get("AWS_ENDPOINT_URL") or None,
                   access_key=config.get("AWS_ACCESS_KEY_ID") or None,
                   secret_key=config.get("AWS_SECRET_ACCESS_KEY") or None,
                   region=config.get("AWS_REGION") or config.get("AWS_DEFAULT_REGION") or None,
                   # a store that does not answer fails the request (507/503) within two attempts of
                   # connect + 3x the timeout: 30 s by default, gunicorn's own worker timeout
                   connect_timeout=float(config.get("SIKIPP_STORAGE_TIMEOUT_SECONDS") or 5),
                   read_timeout=float(config.get("SIKIPP_STORAGE_TIMEOUT_SECONDS") or 5) * 3)

    @property
    def client(self):
        """The boto3 client: one per process and settings (thread-safe, but it must not cross a fork — gunicorn
        workers — and building one costs ~0.3 s, so stores with the same settings share it)."""
        s = self._settings
        cache_key = (os.getpid(), self.endpoint_url, *(s[name] for name in sorted(s)))
        client = _CLIENTS.get(cache_key)
        if client is None:
            import boto3
            from botocore.config import Config

            client = boto3.session.Session().client(
                "s3", endpoint_url=self.endpoint_url, aws_access_key_id=s["access_key"],
                aws_secret_access_key=s["secret_key"], region_name=s["region"] or "us-east-1",
                config=Config(connect_timeout=s["connect_timeout"], read_timeout=s["read_timeout"],
                              retries={"max_attempts": s["max_attempts"], "mode": "standard"},
                              s3={"addressing_style": "path"}, max_pool_connections=20))
            _CLIENTS[cache_key] = client
        return client

    def _name(self, key: str) -> str:
        return self.prefix + check_key(key)

    def put(self, key: str, data: bytes, *, durable: bool = True, replace: bool = False) -> str:
        digest = sha256(data)
        name = self._name(key)
        extra = {"ContentType": "application/pdf" if key.endswith(".pdf") else "application/octet-stream",
                 "Metadata": {"sha256": digest}}
        if not replace:
            extra["IfNoneMatch"] = "*"
        try:
            if len(data) <= self.multipart_threshold:
                self.client.put_object(Bucket=self.bucket, Key=name, Body=data, **extra)
            else:
                self._put_multipart(name, data, extra)
        except _FAILURES as err:
            log.error("storage write failed for %s: %s", key, err)
            raise StorageWriteError(_oserror(err)) from err
        return digest

    def _put_multipart(self, name: str, data: bytes, extra: dict) -> None:
        if_none_match = extra.pop("IfNoneMatch", None)
        upload = self.client.create_multipart_upload(Bucket=self.bucket, Key=name, **extra)["UploadId"]
        try:
            parts = []
            view = memoryview(data)
            for number, start in enumerate(range(0, len(data), self.part_size), start=1):
                etag = self._upload_part(name, upload, number, view[start:start + self.part_size])
                parts.append({"PartNumber": number, "ETag": etag})
            done = {"IfNoneMatch": if_none_match} if if_none_match else {}
            self.client.complete_multipart_upload(Bucket=self.bucket, Key=name, UploadId=upload,
                                                  MultipartUpload={"Parts": parts}, **done)
        except BaseException:
            try:  # the parts never become the object; abort frees them (else the recovery sweep does)
                self.client.abort_multipart_upload(Bucket=self.bucket, Key=name, UploadId=upload)
            except _FAILURES:
                log.warning("could not abort the multipart upload of %s; the recovery sweep will", name)
            raise

    def _upload_part(self, name: str, upload: str, number: int, body) -> str:
        """One part; returns its ETag (a test subclass may fail here like a store that goes away mid-upload)."""
        answer = self.client.upload_part(Bucket=self.bucket, Key=name, UploadId=upload, PartNumber=number,
                                         Body=bytes(body))
        return answer["ETag"]

    def open(self, key: str) -> BinaryIO:
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=self._name(key))
        except _FAILURES as err:
            log.error("storage read failed for %s: %s", key, err)
            raise StorageReadError(_oserror(err)) from err
        return _S3Body(answer["Body"], answer.get("ContentLength"), self.chunk_size)  # type: ignore[return-value]

    def stat(self, key: str) -> Optional[dict]:
        """``{"size", "sha256"}`` of a stored object (sha256 from its metadata; None when it carries none), or None
        when the key is absent."""
        try:
            answer = self.client.head_object(Bucket=self.bucket, Key=self._name(key))
        except _FAILURES as err:
            if _status(err) == 404:
                return None
            raise StorageReadError(_oserror(err)) from err
        return {"size": answer.get("ContentLength"), "sha256": (answer.get("Metadata") or {}).get("sha256")}

    def exists(self, key: str) -> bool:
        return self.stat(key) is not None

    def delete(self, key: str) -> None:
        try:
            self.client.delete_object(Bucket=self.bucket, Key=self._name(key))
        except _FAILURES as err:
            if _status(err) == 404:
                return
            log.error("storage delete failed for %s: %s", key, err)
            raise StorageWriteError(_oserror(err)) from err

    def list(self, prefix: str = "") -> Iterator[StoredObject]:
        full = self.prefix + prefix
        try:
            pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=full)
            for page in pages:
                for item in page.get("Contents", []):
                    yield StoredObject(item["Key"][len(self.prefix):], item["Size"],
                                       item["LastModified"].timestamp())
        except _FAILURES as err:
            log.error("storage listing failed for %s: %s", prefix, err)
            raise StorageReadError(_oserror(err)) from err
        yield from self._open_uploads(full)

    def _open_uploads(self, full_prefix: str) -> Iterator[StoredObject]:
        """Unfinished multipart uploads (what a crash mid-upload leaves). A store or policy that does not allow
        listing them (s3:ListBucketMultipartUploads) only loses this clean-up: a bucket lifecycle rule
        (AbortIncompleteMultipartUpload) does the same job there."""
        try:
            pages = self.client.get_paginator("list_multipart_uploads").paginate(Bucket=self.bucket,
                                                                                 Prefix=full_prefix)
            for page in pages:
                for item in page.get("Uploads", []):
                    yield StoredObject(item["Key"][len(self.prefix):], 0, item["Initiated"].timestamp(),
                                       partial=True, upload_id=item["UploadId"])
        except _FAILURES as err:
            if _status(err) in (403, 405, 501):
                log.warning("storage: unfinished uploads cannot be listed (%s); skipped", err)
                return
            log.error("storage listing failed for %s: %s", full_prefix, err)
            raise StorageReadError(_oserror(err)) from err

    def delete_listed(self, obj: StoredObject) -> None:
        if obj.upload_id is None:
            self.delete(obj.key)
            return
        try:
            self.client.abort_multipart_upload(Bucket=self.bucket, Key=self._name(obj.key), UploadId=obj.upload_id)
        except _FAILURES as err:
            if _status(err) == 404:
                return
            raise StorageWriteError(_oserror(err)) from err


class _S3Body(io.RawIOBase):
    """A downloaded object as a binary file: reads stream from the connection; a store that fails mid-read
    raises ``OSError`` (EIO), as a failing disk would. ``size`` is the object's length (Content-Length)."""

    def __init__(self, body, size: Optional[int], chunk_size: int):
        super().__init__()
        self._body = body
        self.size = size
        self.chunk_size = chunk_size

    def readable(self) -> bool:
        return True

    def read(self, size: Optional[int] = -1) -> bytes:
        try:
            return self._body.read(None if size is None or size < 0 else size)
        except _FAILURES as err:
            raise _oserror(err) from err

    def readinto(self, buffer) -> int:  # type: ignore[override]
        data = self.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)

    def __iter__(self):  # type: ignore[override]
        """Chunks of :attr:`chunk_size` (fewer Python calls per megabyte than the WSGI file wrapper's 8 KB)."""
        while True:
            chunk = self.read(self.chunk_size)
            if not chunk:
                return
            yield chunk

    def close(self) -> None:
        if not self.closed:
            try:
                self._body.close()
            except _FAILURES:
                pass
        super().close()


DOWNLOAD_CHUNK = 256 * 1024


def iter_chunks(stream, chunk_size: int = DOWNLOAD_CHUNK) -> Iterator[bytes]:
    """A stored file's bytes as a download body, a chunk at a time (never the whole file in memory); closes the
    stream at the end or when the client goes away. A store that fails mid-stream can only cut the answer short
    (its status was sent): logged."""
    try:
        while True:
            try:
                chunk = stream.read(chunk_size)
            except OSError as err:
                log.error("storage read failed while streaming: %s", err)
                return
            if not chunk:
                return
            yield chunk
    finally:
        stream.close()


def stream_length(stream) -> Optional[int]:
    """The byte length of an opened stored file (Content-Length), when the backend knows it."""
    size = getattr(stream, "size", None)
    if size is None:
        try:
            size = os.fstat(stream.fileno()).st_size
        except (OSError, AttributeError, ValueError):
            return None
    return size


def _status(err) -> Optional[int]:
    response = getattr(err, "response", None) or {}
    return response.get("ResponseMetadata", {}).get("HTTPStatusCode")


def _oserror(err) -> OSError:
    """The object store's failure as the OSError a failing disk would raise (EIO): callers see one kind."""
    if isinstance(err, OSError):
        return err
    return OSError(errno.EIO, f"{type(err).__name__}: {err}")


def _failures() -> tuple:
    try:
        from botocore.exceptions import BotoCoreError, ClientError
    except ImportError:  # pragma: no cover - boto3 is a requirement; a local-only install still starts
        return (OSError,)
    return (BotoCoreError, ClientError, OSError)


_FAILURES = _failures()


BACKENDS = {"file": lambda url, config: LocalStorage(url.split("://", 1)[1] if "://" in url else url),
            "s3": S3Storage.from_url}


def build_storage(config) -> Storage:
    """The storage named by ``SIKIPP_STORAGE_URL`` (``file:///dir``, ``s3://bucket/prefix``),
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

