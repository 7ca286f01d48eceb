"""The storage interface (app/services/storage.py) on both backends (issue 14, DESIGN §6): the local directory and
an S3-compatible object store — a real SeaweedFS server (tests/s3_helpers.py), access keys checked.

Each test runs twice (``storage_backend``: local, s3). Failures are real ones: a disk that fails with an errno,
an object store whose port answers nothing (down), an identity the store refuses writes to."""
import errno
import hashlib
import os

import pytest

from app.services.storage import (
    LocalStorage,
    S3Storage,
    StorageError,
    StorageReadError,
    StorageWriteError,
    build_storage,
)
from tests.s3_helpers import closed_port_endpoint


def test_put_read_stream_delete(storage_backend):
    store = storage_backend
    data = os.urandom(300_000)
    digest = store.put("attachments/a.pdf", data)
    assert digest == hashlib.sha256(data).hexdigest()
    assert store.exists("attachments/a.pdf") and not store.exists("attachments/b.pdf")
    assert store.read("attachments/a.pdf") == data
    stream = store.open("attachments/a.pdf")
    try:
        chunks = [stream.read(65536)]
        while chunks[-1]:
            chunks.append(stream.read(65536))
    finally:
        stream.close()
    assert len(chunks) > 2 and b"".join(chunks) == data  # read in pieces, not as one blob
    assert [o.key for o in store.list("attachments/")] == ["attachments/a.pdf"]
    store.delete("attachments/a.pdf")
    store.delete("attachments/a.pdf")  # absent: no error
    assert not store.exists("attachments/a.pdf")
    assert list(store.list("attachments/")) == []


def test_a_stored_key_is_never_overwritten_unless_asked(storage_backend):
    store = storage_backend
    store.put("documents/decree-1.pdf", b"first")
    with pytest.raises(StorageWriteError):
        store.put("documents/decree-1.pdf", b"second")
    assert store.read("documents/decree-1.pdf") == b"first"
    store.put("documents/decree-1.pdf", b"third", replace=True)
    assert store.read("documents/decree-1.pdf") == b"third"


def test_reading_a_missing_key_is_a_read_error(storage_backend):
    with pytest.raises(StorageReadError) as caught:
        storage_backend.open("attachments/none.pdf")
    assert caught.value.status == 503


def test_health_check_writes_reads_and_removes_a_probe(storage_backend):
    assert storage_backend.health_check()["ok"] is True
    assert [o for o in storage_backend.list("health/") if not o.partial] == []


def test_keys_are_checked(storage_backend):
    for bad in ("../x.pdf", "attachments/../x", "/abs", "a//b", ".hidden"):
        with pytest.raises(ValueError):
            storage_backend.put(bad, b"x")


# -- failures: 507 on writing, 503 on reading, nothing left behind --------------------------------------


class _FailingWrites(LocalStorage):
    def _write(self, fh, data):
        fh.write(data[: len(data) // 2])
        fh.flush()
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def failing_twin(store):
    """The same store, failing: a full disk for the local one; for S3 the same bucket reached through an identity
    whose writes are refused (AccessDenied) — the keys are really checked."""
    if isinstance(store, LocalStorage):
        return _FailingWrites(store.root)
    from tests.s3_helpers import READONLY_ACCESS_KEY, READONLY_SECRET_KEY

    return S3Storage(store.bucket, store.prefix, endpoint_url=store.endpoint_url, access_key=READONLY_ACCESS_KEY,
                     secret_key=READONLY_SECRET_KEY)


def down_twin(store, tmp_path):
    """The store unavailable: an unreadable directory (local) / nothing listening at the endpoint (S3)."""
    if isinstance(store, LocalStorage):
        return LocalStorage(str(tmp_path / "missing" / "nowhere"))
    return S3Storage(store.bucket, store.prefix, endpoint_url=closed_port_endpoint(), access_key="x", secret_key="y",
                     max_attempts=1, connect_timeout=1)


def _keys(store):
    return sorted(o.key for prefix in ("attachments/", "documents/") for o in store.list(prefix))


def test_a_refused_write_raises_507_and_leaves_no_object(storage_backend):
    store = storage_backend
    failing = failing_twin(store)
    with pytest.raises(StorageWriteError) as caught:
        failing.put("attachments/x.pdf", os.urandom(50_000))
    assert caught.value.status == 507
    assert "penyimpanan" in caught.value.message or "storage" in caught.value.message
    assert _keys(store) == []
    assert [o for o in store.list("attachments/")] == []  # no .part, no open upload


def test_an_unavailable_store_answers_507_on_write_and_503_on_read(storage_backend, tmp_path):
    store = storage_backend
    store.put("attachments/there.pdf", b"%PDF-1")
    down = down_twin(store, tmp_path)
    if isinstance(down, LocalStorage):
        os.makedirs(os.path.dirname(down.root), exist_ok=True)
        with open(down.root, "w") as fh:  # a file where the directory should be: every write fails (ENOTDIR)
            fh.write("x")
    with pytest.raises(StorageWriteError):
        down.put("attachments/x.pdf", b"data")
    with pytest.raises(StorageReadError):
        down.read("attachments/there.pdf")
    assert down.health_check()["ok"] is False


class _FailingPartStore(S3Storage):
    """Goes away after the first part of a multipart upload."""

    def _upload_part(self, name, upload, number, body):
        if number > 1:
            raise OSError(errno.ECONNRESET, "connection reset by the store")
        return super()._upload_part(name, upload, number, body)


def test_s3_multipart_upload_is_all_or_nothing(s3_server, s3_bucket):
    store = s3_server.storage(s3_bucket, "multipart")
    store.multipart_threshold = store.part_size = 5 * 1024 * 1024  # S3's smallest part
    data = os.urandom(11 * 1024 * 1024)
    assert store.put("documents/big.pdf", data) == hashlib.sha256(data).hexdigest()
    assert store.read("documents/big.pdf") == data
    assert store.stat("documents/big.pdf") == {"size": len(data), "sha256": hashlib.sha256(data).hexdigest()}

    failing = _FailingPartStore(s3_bucket, "multipart", endpoint_url=s3_server.endpoint,
                                access_key=s3_server.access_key, secret_key=s3_server.secret_key)
    failing.multipart_threshold = failing.part_size = 5 * 1024 * 1024
    with pytest.raises(StorageWriteError):
        failing.put("documents/half.pdf", data)
    assert not store.exists("documents/half.pdf")
    assert [o.key for o in store.list("documents/")] == ["documents/big.pdf"]  # the upload was aborted


def test_s3_an_unfinished_multipart_upload_is_listed_as_partial_and_swept(s3_server, s3_bucket):
    """A crash between the parts and the completion leaves an open upload: listed partial, removed by the sweep."""
    store = s3_server.storage(s3_bucket, "crash")
    upload = store.client.create_multipart_upload(Bucket=s3_bucket, Key="crash/documents/c.pdf")["UploadId"]
    store.client.upload_part(Bucket=s3_bucket, Key="crash/documents/c.pdf", UploadId=upload, PartNumber=1,
                             Body=b"x" * 1024)
    partial = [o for o in store.list("documents/") if o.partial]
    assert [(o.key, o.upload_id) for o in partial] == [("documents/c.pdf", upload)]
    store.delete_listed(partial[0])
    assert [o for o in store.list("documents/")] == []
    assert not store.exists("documents/c.pdf")


def test_s3_wrong_secret_is_refused(s3_server, s3_bucket):
    wrong = S3Storage(s3_bucket, "wrong", endpoint_url=s3_server.endpoint, access_key=s3_server.access_key,
                      secret_key="not-the-secret")
    with pytest.raises(StorageWriteError):
        wrong.put("attachments/a.pdf", b"x")


def test_build_storage_selects_the_backend_by_url(s3_server, s3_bucket, tmp_path):
    assert isinstance(build_storage({"SIKIPP_STORAGE_DIR": str(tmp_path)}), LocalStorage)
    store = build_storage({**s3_server.config(s3_bucket, "from/url"), "SIKIPP_STORAGE_DIR": str(tmp_path)})
    assert isinstance(store, S3Storage)
    assert (store.bucket, store.prefix, store.endpoint_url) == (s3_bucket, "from/url/", s3_server.endpoint)
    store.put("attachments/u.pdf", b"via url")
    assert s3_server.client.get_object(Bucket=s3_bucket, Key="from/url/attachments/u.pdf")["Body"].read() == b"via url"
    with pytest.raises(RuntimeError):
        build_storage({"SIKIPP_STORAGE_URL": "ftp://x/y", "SIKIPP_STORAGE_DIR": str(tmp_path)})


def test_storage_errors_are_domain_errors():
    assert issubclass(StorageWriteError, StorageError) and StorageWriteError.status == 507
    assert StorageReadError.status == 503


def test_recovery_sweep_removes_orphans_and_keeps_referenced_files(app, api, competition, storage_backend):
    """The sweep (app/services/recovery.py) lists and removes through the interface: on S3 too."""
    import io

    from app.extensions import db
    from app.models import Attachment
    from app.services import recovery
    from tests.pdfs import blank_pdf

    store = storage_backend
    pk = api("opd_a").post("/api/v1/innovation/", json={"competition_id": competition, "title": "SIPRAJA"}) \
        .get_json()["id"]
    r = api("opd_a").post(f"/api/v1/innovation/{pk}/attachments", content_type="multipart/form-data", json=None,
                          data={"file": (io.BytesIO(blank_pdf()), "a.pdf", "application/pdf")})
    assert r.status_code == 201
    store.put("attachments/orphan.pdf", b"%PDF-orphan")
    store.put("documents/cert-999-1-old.pdf", b"%PDF-cert")
    with app.app_context():
        kept = f"attachments/{db.session.query(Attachment).filter_by(innovation_id=pk).one().stored_name}"
        assert recovery.remove_orphans(db.session, grace_seconds=3600) == []  # young: may be about to commit
        removed = recovery.remove_orphans(db.session, grace_seconds=0)
    assert sorted(removed) == ["attachments/orphan.pdf", "documents/cert-999-1-old.pdf"]
    assert [o.key for o in store.list("attachments/")] == [kept]
    assert list(store.list("documents/")) == []


def test_every_file_access_in_the_app_goes_through_the_storage_interface():
    """No module of the app reads or writes under SIKIPP_STORAGE_DIR itself: only the storage interface knows the
    directory (the app factory creates it; the migration names it as its source), and a stored file's local path
    (``local_path``, None on S3) is never used to read one."""
    import pathlib

    root = pathlib.Path(__file__).resolve().parent.parent
    knows_the_directory = {"app/services/storage.py", "app/__init__.py", "app/commands/storage.py",
                           "app/cli/__init__.py", "app/services/storage_migration.py"}
    offenders = []
    for path in sorted((root / "app").rglob("*.py")):
        rel = path.relative_to(root).as_posix()
        text = path.read_text()
        if "SIKIPP_STORAGE_DIR" in text and rel not in knows_the_directory:
            offenders.append(f"{rel}: SIKIPP_STORAGE_DIR")
        if ".local_path(" in text and rel not in ("app/services/storage.py", "app/services/attachments.py"):
            offenders.append(f"{rel}: local_path")
    assert offenders == []
    attachments = (root / "app/services/attachments.py").read_text()
    assert attachments.count("local_path(") == 1  # path_of, for tests and operators only
    callers = [p.relative_to(root).as_posix() for p in (root / "app").rglob("*.py") if "path_of(" in p.read_text()]
    assert callers == ["app/services/attachments.py"]
