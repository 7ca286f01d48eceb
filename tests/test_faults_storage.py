"""Storage failures (issue 13 item 2, DESIGN §6): whatever the errno, writing answers 507 and reading 503 with
a clear message (JSON on the API, a flash on screens); no row, no file, no ``.part`` left; signing on a failing
store leaves the decree a draft and consumes no number.

The faults are the operating system's: a storage subclass whose file writes fail with a real ``OSError`` errno
partway through (after some bytes hit the temporary file), and — when the runner is root, as in CI — a real
1 MB tmpfs, filled up and then remounted read-only."""
import errno
import io
import os
import subprocess
import tempfile

import pytest

from app.extensions import db
from app.models import Attachment, Decree, IssuedDocument
from app.services.storage import EXTENSION, LocalStorage
from tests.conftest import PASSWORD
from tests.documents_helpers import docs, draft_decree, paraf, seed_awards  # noqa: F401  (docs: the fixture)
from tests.pdfs import blank_pdf

STORAGE_MESSAGE = "penyimpanan"  # the Indonesian message names the storage ("media penyimpanan")


class FailingWrites(LocalStorage):
    """The local storage, on a disk that fails every write with ``code`` after the first bytes."""

    def __init__(self, root, code):
        super().__init__(root)
        self.code = code

    def _write(self, fh, data):
        fh.write(data[: len(data) // 2])
        fh.flush()
        raise OSError(self.code, os.strerror(self.code))


class FailingReads(LocalStorage):
    def __init__(self, root, code=errno.EIO):
        super().__init__(root)
        self.code = code

    def open(self, key):
        from app.services.storage import StorageReadError

        err = OSError(self.code, os.strerror(self.code))
        raise StorageReadError(err) from err


def _all_files(root):
    return sorted(os.path.relpath(os.path.join(d, f), root) for d, _dirs, files in os.walk(root) for f in files)


@pytest.fixture
def store_root(app):
    return app.config["SIKIPP_STORAGE_DIR"]


@pytest.fixture
def draft(api, competition):
    return api("opd_a").post("/api/v1/innovation/", json={"competition_id": competition, "title": "SIPRAJA"}) \
        .get_json()["id"]


def _upload(client_api, pk, data, name="sk-tim.pdf"):
    return client_api.post(f"/api/v1/innovation/{pk}/attachments",
                           data={"file": (io.BytesIO(data), name, "application/pdf")},
                           content_type="multipart/form-data", json=None)


def _attachment_count(app, pk):
    with app.app_context():
        return db.session.query(Attachment).filter_by(innovation_id=pk).count()


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EROFS, errno.EACCES, errno.EIO])
def test_upload_on_failing_storage_answers_507_and_leaves_nothing(app, api, draft, store_root, monkeypatch, code):
    before = _all_files(store_root)
    monkeypatch.setitem(app.extensions, EXTENSION, FailingWrites(store_root, code))
    r = _upload(api("opd_a"), draft, blank_pdf())
    assert r.status_code == 507, r.get_json()
    assert STORAGE_MESSAGE in r.get_json()["message"]
    assert _attachment_count(app, draft) == 0
    assert _all_files(store_root) == before  # neither the file nor its .part


def test_upload_on_the_screen_flashes_the_storage_message(app, draft, store_root, monkeypatch):
    monkeypatch.setitem(app.extensions, EXTENSION, FailingWrites(store_root, errno.ENOSPC))
    browser = app.test_client()
    browser.post("/login/", data={"username": "opd_a", "password": PASSWORD})
    r = browser.post(f"/innovationview/attachments/{draft}", data={"file": (io.BytesIO(blank_pdf()), "sk.pdf")},
                     content_type="multipart/form-data", follow_redirects=True)
    assert r.status_code == 200 and STORAGE_MESSAGE in r.get_data(as_text=True)
    assert _attachment_count(app, draft) == 0


def test_reading_a_failing_storage_answers_503_on_the_api_and_flashes_on_the_screen(app, api, draft, store_root,
                                                                                   monkeypatch):
    r = _upload(api("opd_a"), draft, blank_pdf())
    assert r.status_code == 201
    att = r.get_json()["id"]
    monkeypatch.setitem(app.extensions, EXTENSION, FailingReads(store_root))
    r = api("opd_a").get(f"/api/v1/innovation/{draft}/attachments/{att}")
    assert r.status_code == 503 and STORAGE_MESSAGE in r.get_json()["message"]
    browser = app.test_client()
    browser.post("/login/", data={"username": "opd_a", "password": PASSWORD})
    r = browser.get(f"/innovationview/attachments/{draft}/{att}", follow_redirects=True)
    assert r.status_code == 200 and STORAGE_MESSAGE in r.get_data(as_text=True)


def _sign(api, pk):
    return api("penandatangan").post(f"/api/v1/decree/{pk}/transitions/sign", json={})


def _decree(app, pk):
    with app.app_context():
        d = db.session.get(Decree, pk)
        docs_ = db.session.query(IssuedDocument).filter_by(decree_id=pk).count()
        return d.state, d.number, docs_


@pytest.mark.usefixtures("docs")
@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EROFS])
def test_signing_on_failing_storage_answers_507_keeps_the_draft_and_consumes_no_number(app, api, client, store_root,
                                                                                     monkeypatch, code):
    comp, _awards = seed_awards(app, prizes=(1000000,))
    pk = draft_decree(client, comp)
    paraf(client, pk)  # the paraf chain (Hukum) initialled it: only the signature is left
    before = _all_files(store_root)
    monkeypatch.setitem(app.extensions, EXTENSION, FailingWrites(store_root, code))
    r = _sign(api, pk)
    assert r.status_code == 507, r.get_json()
    assert STORAGE_MESSAGE in r.get_json()["message"]
    assert _decree(app, pk) == ("draft", None, 0)
    assert _all_files(store_root) == before
    monkeypatch.setitem(app.extensions, EXTENSION, LocalStorage(store_root))
    assert _sign(api, pk).status_code == 200
    state, number, count = _decree(app, pk)
    assert state == "signed" and count == 1 and number.startswith("188/1/")  # the first number: none consumed
    assert set(_all_files(store_root)) == set(before) | {f"documents/decree-{pk}.pdf"}


@pytest.mark.usefixtures("docs")
def test_signing_on_the_screen_with_a_full_disk_flashes_the_storage_message(app, client, store_root, monkeypatch):
    comp, _awards = seed_awards(app, prizes=(1000000,))
    pk = draft_decree(client, comp)
    paraf(client, pk)  # the paraf chain (Hukum) initialled it: only the signature is left
    monkeypatch.setitem(app.extensions, EXTENSION, FailingWrites(store_root, errno.ENOSPC))
    browser = app.test_client()
    browser.post("/login/", data={"username": "penandatangan", "password": PASSWORD})
    r = browser.post(f"/decreeview/fire/{pk}/sign", data={}, follow_redirects=True)
    assert r.status_code == 200 and STORAGE_MESSAGE in r.get_data(as_text=True)
    assert _decree(app, pk) == ("draft", None, 0)


def test_a_rollback_after_the_decree_file_was_written_removes_it(app, client, store_root, docs):  # noqa: F811
    """Written inside the sign transaction, the file goes when that transaction rolls back."""
    from app.services.documents import issuing

    comp, _awards = seed_awards(app, prizes=(1000000,))
    pk = draft_decree(client, comp)
    with app.app_context():
        decree = db.session.get(Decree, pk)
        decree.number = "188/99/438.1.1.3/2026"
        issuing.sign_decree(db.session, decree, app.config, decree.created_on or __import__("datetime").datetime.now())
        assert os.path.exists(os.path.join(store_root, "documents", f"decree-{pk}.pdf"))
        db.session.rollback()
    assert not os.path.exists(os.path.join(store_root, "documents", f"decree-{pk}.pdf"))
    assert _decree(app, pk) == ("draft", None, 0)


# -- a real, tiny file system -----------------------------------------------------------------------------


@pytest.fixture
def tiny_tmpfs():
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root (CI runs as root); the FailingWrites tests cover the errnos")
    mount = tempfile.mkdtemp(prefix="sikipp-tmpfs-")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", mount], capture_output=True, text=True)
    if done.returncode != 0:
        os.rmdir(mount)
        pytest.fail(f"root, but mount -t tmpfs failed: {done.stderr}")  # a real failure, not a skip
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", mount], check=False)
        os.rmdir(mount)


def _fill(mount, leave_bytes):
    st = os.statvfs(mount)
    free = st.f_bavail * st.f_frsize
    with open(os.path.join(mount, "filler"), "wb") as fh:
        fh.write(b"\0" * max(free - leave_bytes, 0))


def test_a_full_then_read_only_tmpfs_answers_507_with_no_row_and_no_file(app, api, client, draft, tiny_tmpfs,
                                                                        monkeypatch, docs):  # noqa: F811
    monkeypatch.setitem(app.extensions, EXTENSION, LocalStorage(tiny_tmpfs))
    pdf = blank_pdf(pages=400)  # larger than what is left
    _fill(tiny_tmpfs, leave_bytes=4096)
    assert len(pdf) > 8192
    r = _upload(api("opd_a"), draft, pdf)
    assert r.status_code == 507, r.get_json()
    assert _attachment_count(app, draft) == 0
    assert _all_files(tiny_tmpfs) == ["filler"]  # no file, no .part

    comp, _awards = seed_awards(app, prizes=(1000000,))
    pk = draft_decree(client, comp)
    paraf(client, pk)  # the paraf chain (Hukum) initialled it: only the signature is left
    r = _sign(api, pk)
    assert r.status_code == 507, r.get_json()
    assert _decree(app, pk) == ("draft", None, 0)
    assert _all_files(tiny_tmpfs) == ["filler"]

    os.unlink(os.path.join(tiny_tmpfs, "filler"))
    subprocess.run(["mount", "-o", "remount,ro", tiny_tmpfs], check=True)
    r = _upload(api("opd_a"), draft, blank_pdf())
    assert r.status_code == 507, r.get_json()
    assert _attachment_count(app, draft) == 0
    r = _sign(api, pk)
    assert r.status_code == 507 and _decree(app, pk) == ("draft", None, 0)
    assert _all_files(tiny_tmpfs) == []
    assert app.extensions[EXTENSION].health_check()["ok"] is False

    subprocess.run(["mount", "-o", "remount,rw", tiny_tmpfs], check=True)
    assert app.extensions[EXTENSION].health_check()["ok"] is True
    assert _upload(api("opd_a"), draft, blank_pdf()).status_code == 201
    assert _sign(api, pk).status_code == 200
    assert _decree(app, pk)[1].startswith("188/1/")
