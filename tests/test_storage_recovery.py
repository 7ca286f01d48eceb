"""The storage interface (app/services/storage.py) and the recovery sweep (app/services/recovery.py) in-process:
atomic puts that never overwrite, listing with temporary names, the health check, orphan removal with its grace
period, the sweep issuing missing certificates, and the job queue's recovery tasks."""
import errno
import io
import os
import time

import pytest

from app.commands import certificates
from app.extensions import db
from app.models import Attachment, IssuedDocument
from app.services import recovery
from app.services.storage import LocalStorage, StorageReadError, StorageWriteError, build_storage, get_storage
from tests.documents_helpers import docs, draft_decree, seed_awards, sign  # noqa: F401  (docs: the fixture)
from tests.pdfs import blank_pdf


def test_put_is_atomic_never_overwrites_and_lists_partials(tmp_path):
    store = LocalStorage(str(tmp_path))
    digest = store.put("attachments/a.pdf", b"one")
    assert digest == "7692c3ad3540bb803c020b3aee66cd8887123234ea0c6e7143c0add73ff431ed"
    assert store.read("attachments/a.pdf") == b"one" and store.exists("attachments/a.pdf")
    with pytest.raises(StorageWriteError) as err:
        store.put("attachments/a.pdf", b"two")
    assert err.value.errno == errno.EEXIST and store.read("attachments/a.pdf") == b"one"
    store.put("attachments/a.pdf", b"two", replace=True)
    assert store.read("attachments/a.pdf") == b"two"
    (tmp_path / "attachments" / ".b.pdf.1234.part").write_bytes(b"half")
    listed = {o.key: o.partial for o in store.list("attachments/")}
    assert listed == {"attachments/a.pdf": False, "attachments/.b.pdf.1234.part": True}
    store.delete("attachments/a.pdf")
    store.delete("attachments/a.pdf")  # absent: no error
    with pytest.raises(StorageReadError):
        store.read("attachments/a.pdf")
    for bad in ("../x", "/etc/passwd", "a//b", ".hidden", "a/../b"):
        with pytest.raises(ValueError):
            store.put(bad, b"x")


def test_health_check_reports_a_working_and_a_failing_store(tmp_path):
    store = LocalStorage(str(tmp_path / "ok"))
    assert store.health_check()["ok"] is True
    assert list(store.list("health/")) == []  # the probe is removed
    blocked = tmp_path / "blocked"
    blocked.write_bytes(b"a file where the directory should be")
    check = LocalStorage(str(blocked)).health_check()
    assert check["ok"] is False and "StorageWriteError" in check["detail"]


def test_storage_url_selects_the_backend():
    assert isinstance(build_storage({"SIKIPP_STORAGE_URL": "", "SIKIPP_STORAGE_DIR": "/tmp/x"}), LocalStorage)
    assert build_storage({"SIKIPP_STORAGE_URL": "file:///tmp/y"}).root == "/tmp/y"
    s3 = build_storage({"SIKIPP_STORAGE_URL": "s3://bucket/some/prefix"})  # issue 14: the object store
    assert type(s3).__name__ == "S3Storage" and (s3.bucket, s3.prefix) == ("bucket", "some/prefix/")
    with pytest.raises(RuntimeError, match="no storage backend for 'ftp'"):
        build_storage({"SIKIPP_STORAGE_URL": "ftp://host/dir"})


def test_remove_orphans_keeps_referenced_and_young_files(app, api, competition):
    pk = api("opd_a").post("/api/v1/innovation/", json={"competition_id": competition, "title": "SIPRAJA"}) \
        .get_json()["id"]
    r = api("opd_a").post(f"/api/v1/innovation/{pk}/attachments",
                          data={"file": (io.BytesIO(blank_pdf()), "sk.pdf", "application/pdf")},
                          content_type="multipart/form-data", json=None)
    assert r.status_code == 201
    with app.app_context():
        store = get_storage()
        kept = f"attachments/{db.session.get(Attachment, r.get_json()['id']).stored_name}"
        store.put("attachments/orphan-old.pdf", b"old")
        store.put("documents/cert-999-1-old.pdf", b"old")
        store.put("attachments/orphan-young.pdf", b"young")
        root = app.config["SIKIPP_STORAGE_DIR"]
        partial = os.path.join(root, "documents", ".decree-9.pdf.abcd.part")
        with open(partial, "wb") as fh:
            fh.write(b"half")
        old = time.time() - 3600
        for path in (os.path.join(root, "attachments", "orphan-old.pdf"),
                     os.path.join(root, "documents", "cert-999-1-old.pdf"), partial, store.local_path(kept)):
            os.utime(path, (old, old))
        removed = recovery.remove_orphans(db.session, grace_seconds=600)
        assert {"attachments/orphan-old.pdf", "documents/cert-999-1-old.pdf",
                "documents/.decree-9.pdf.abcd.part"} <= set(removed)
        assert kept not in removed and store.exists(kept)  # referenced, however old
        assert store.exists("attachments/orphan-young.pdf")  # within the grace period
        assert kept not in recovery.remove_orphans(db.session, grace_seconds=0)
        assert not store.exists("attachments/orphan-young.pdf")


@pytest.mark.usefixtures("docs")
def test_the_sweep_issues_missing_certificates_once(app, client):
    comp, award_ids = seed_awards(app, prizes=(1, 2, 3))
    pk = draft_decree(client, comp)
    sign(client, pk)  # jobs "manual": no certificate yet (a lost job)
    with app.app_context():
        assert recovery.decrees_missing_certificates(db.session) == [pk]
        report = certificates.recover(db.session, app.config, grace_seconds=600)
        assert report["decrees"][pk]["done"] is True
        assert recovery.decrees_missing_certificates(db.session) == []
        assert certificates.recover(db.session, app.config)["decrees"] == {}  # idempotent
        rows = db.session.query(IssuedDocument.award_id).filter(IssuedDocument.decree_id == pk,
                                                                IssuedDocument.kind == "certificate").all()
        assert sorted(a for (a,) in rows) == sorted(award_ids)


def test_recover_cli_and_the_queue_tasks(app):
    from app import jobs

    queue = jobs.queue(app)
    assert "_recover_at_start" in queue.huey._startup and "_fresh_connections" in queue.huey._startup
    periodic = [t for t in queue.huey._registry._periodic_tasks if t.__name__ == "recover_periodic"]
    assert len(periodic) == 1
    result = app.test_cli_runner().invoke(args=["kipp", "recover", "--no-certificates"])
    assert result.exit_code == 0 and "Orphan files removed:" in result.output
