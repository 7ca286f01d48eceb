"""Files through the app's doors on both storage backends (issue 14, DESIGN §6): the local directory and a real
S3 server (SeaweedFS, tests/s3_helpers.py). Each test runs twice (``storage_backend``: local, s3).

- an attachment uploaded and downloaded through the API and through the screen: same bytes, same sha256,
  streamed (the body is an iterator of chunks, with its Content-Length);
- a failing store: 507 on upload (no row, no object), 503 on download (a JSON message on the API, a flash on
  the screen), the Indonesian message;
- a decree signed, its certificates issued, both stored in the backend and verified (``/verify``); signing on a
  failing store answers 507, keeps the draft and consumes no number;
- ``kipp storage migrate``: local files copied to the object store, every sha256 checked, safe to re-run."""
import hashlib
import io
import os

import pytest

from app.extensions import db
from app.models import Attachment, Decree, IssuedDocument
from app.services.storage import EXTENSION, LocalStorage, S3Storage
from tests.conftest import PASSWORD
from tests.documents_helpers import doc_code, docs, draft_decree, issue_all, paraf, seed_awards  # noqa: F401
from tests.pdfs import blank_pdf
from tests.test_storage_backends import down_twin, failing_twin

STORAGE_MESSAGE = "penyimpanan"


@pytest.fixture
def draft(api, competition):
    return api("opd_a").post("/api/v1/innovation/", json={"competition_id": competition, "title": "SIPRAJA"}) \
        .get_json()["id"]


def _upload(client_api, pk, data, name="sk-tim.pdf"):
    return client_api.post(f"/api/v1/innovation/{pk}/attachments",
                           data={"file": (io.BytesIO(data), name, "application/pdf")},
                           content_type="multipart/form-data", json=None)


def _login(app, username):
    browser = app.test_client()
    browser.post("/login/", data={"username": username, "password": PASSWORD})
    return browser


def _keys(store, prefix):
    return sorted(o.key for o in store.list(prefix))


def _rows(app, pk):
    with app.app_context():
        return db.session.query(Attachment).filter_by(innovation_id=pk).all()


def test_attachment_upload_and_download_through_the_api_and_the_screen(app, api, draft, storage_backend):
    store = storage_backend
    pdf = blank_pdf(pages=60)
    r = _upload(api("opd_a"), draft, pdf)
    assert r.status_code == 201, r.get_json()
    body = r.get_json()["result"]
    assert body["sha256"] == hashlib.sha256(pdf).hexdigest()
    (row,) = _rows(app, draft)
    assert store.read(f"attachments/{row.stored_name}") == pdf  # in this backend, byte for byte
    if isinstance(store, S3Storage):
        assert store.stat(f"attachments/{row.stored_name}")["sha256"] == body["sha256"]

    r = api("opd_a").get(f"/api/v1/innovation/{draft}/attachments/{body['id']}", buffered=False)
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    assert r.is_streamed and r.content_length == len(pdf)  # streamed from the store, its length known
    chunks = list(r.response)
    assert b"".join(chunks) == pdf
    r.close()

    screen = _login(app, "opd_a")  # the screen: upload a second file through the form, download both
    second = blank_pdf(pages=2)
    r = screen.post(f"/innovationview/attachments/{draft}", data={"file": (io.BytesIO(second), "lampiran.pdf")},
                    content_type="multipart/form-data", follow_redirects=True)
    assert r.status_code == 200
    rows = {a.original_name: a for a in _rows(app, draft)}
    assert set(rows) == {"sk-tim.pdf", "lampiran.pdf"}
    for name, data in (("sk-tim.pdf", pdf), ("lampiran.pdf", second)):
        r = screen.get(f"/innovationview/attachments/{draft}/{rows[name].id}")
        assert r.status_code == 200 and r.data == data and name in r.headers["Content-Disposition"]
    assert _keys(store, "attachments/") == sorted(f"attachments/{a.stored_name}" for a in rows.values())
    # another unit sees neither the innovation nor its file
    assert api("opd_b").get(f"/api/v1/innovation/{draft}/attachments/{body['id']}").status_code == 404


def test_upload_on_a_failing_store_answers_507_with_no_row_and_no_object(app, api, draft, storage_backend,
                                                                      monkeypatch):
    store = storage_backend
    monkeypatch.setitem(app.extensions, EXTENSION, failing_twin(store))
    r = _upload(api("opd_a"), draft, blank_pdf())
    assert r.status_code == 507, r.get_json()
    assert STORAGE_MESSAGE in r.get_json()["message"]
    screen = _login(app, "opd_a")
    r = screen.post(f"/innovationview/attachments/{draft}", data={"file": (io.BytesIO(blank_pdf()), "sk.pdf")},
                    content_type="multipart/form-data", follow_redirects=True)
    assert r.status_code == 200 and STORAGE_MESSAGE in r.get_data(as_text=True)
    assert _rows(app, draft) == []
    assert [o for o in store.list("attachments/")] == []  # no object, no .part, no open upload


def test_download_from_an_unavailable_store_answers_503_and_flashes(app, api, draft, storage_backend, monkeypatch,
                                                                   tmp_path):
    r = _upload(api("opd_a"), draft, blank_pdf())
    assert r.status_code == 201
    att = r.get_json()["id"]
    monkeypatch.setitem(app.extensions, EXTENSION, down_twin(storage_backend, tmp_path))
    r = api("opd_a").get(f"/api/v1/innovation/{draft}/attachments/{att}")
    assert r.status_code == 503 and STORAGE_MESSAGE in r.get_json()["message"]
    r = _login(app, "opd_a").get(f"/innovationview/attachments/{draft}/{att}", follow_redirects=True)
    assert r.status_code == 200 and STORAGE_MESSAGE in r.get_data(as_text=True)


def _decree(app, pk):
    with app.app_context():
        d = db.session.get(Decree, pk)
        return d.state, d.number, db.session.query(IssuedDocument).filter_by(decree_id=pk).count()


@pytest.mark.usefixtures("docs")
def test_a_decree_signed_and_its_certificates_are_stored_and_verified(app, api, client, storage_backend,
                                                                      monkeypatch, tmp_path):
    store = storage_backend
    comp, award_ids = seed_awards(app, prizes=(5000000, 2500000))
    pk = draft_decree(client, comp)
    paraf(client, pk)
    monkeypatch.setitem(app.extensions, EXTENSION, failing_twin(store))
    r = api("penandatangan").post(f"/api/v1/decree/{pk}/transitions/sign", json={})
    assert r.status_code == 507 and STORAGE_MESSAGE in r.get_json()["message"]
    assert _decree(app, pk) == ("draft", None, 0) and _keys(store, "documents/") == []
    monkeypatch.setitem(app.extensions, EXTENSION, store)
    r = api("penandatangan").post(f"/api/v1/decree/{pk}/transitions/sign", json={})
    assert r.status_code == 200, r.get_json()
    state, number, _count = _decree(app, pk)
    assert state == "signed" and number.startswith("188/1/")  # the failed attempt consumed no number
    issue_all(app, pk)
    with app.app_context():
        stored = {d.stored_name: (d.sha256, d.code) for d in db.session.query(IssuedDocument).filter_by(decree_id=pk)}
    assert len(stored) == 3  # the decree and one certificate per award
    assert _keys(store, "documents/") == sorted(f"documents/{name}" for name in stored)
    for name, (sha, code) in stored.items():
        assert hashlib.sha256(store.read(f"documents/{name}")).hexdigest() == sha
        body = client.get(f"/verify/{code}", headers={"Accept": "application/json"}).get_json()
        assert body["valid"] is True and body["sha256"] == sha, body
    r = api("sekretariat").get(f"/api/v1/decree/{pk}/pdf")
    assert r.status_code == 200 and hashlib.sha256(r.data).hexdigest() == stored[f"decree-{pk}.pdf"][0]
    assert r.content_length == len(r.data)
    r = api("sekretariat").get(f"/api/v1/award/{award_ids[0]}/certificate")
    assert r.status_code == 200 and r.data.startswith(b"%PDF")
    # a store that went down: the stored document answers 503, /verify does not call it valid
    monkeypatch.setitem(app.extensions, EXTENSION, down_twin(store, tmp_path))
    r = api("sekretariat").get(f"/api/v1/decree/{pk}/pdf")
    assert r.status_code == 503 and STORAGE_MESSAGE in r.get_json()["message"]
    code = doc_code(app, pk)
    assert client.get(f"/verify/{code}", headers={"Accept": "application/json"}).get_json()["valid"] is False


# -- kipp storage migrate ---------------------------------------------------------------------------------


def test_storage_migrate_copies_verifies_and_is_safe_to_rerun(app, api, draft, s3_server, s3_bucket, tmp_path,
                                                             monkeypatch):
    local = LocalStorage(str(tmp_path / "local"))
    monkeypatch.setitem(app.extensions, EXTENSION, local)
    files = [blank_pdf(pages=n) for n in (1, 3, 40)]
    ids = [_upload(api("opd_a"), draft, data, name=f"f{i}.pdf").get_json()["id"] for i, data in enumerate(files)]
    local.put("documents/decree-900.pdf", b"%PDF-1.7 signed decree")
    with open(os.path.join(local.root, "documents", ".decree-901.pdf.abcd.part"), "wb") as fh:
        fh.write(b"half")  # a crash's temporary name: not a file, not migrated
    s3 = s3_server.storage(s3_bucket, f"migrate-{os.getpid()}-{ids[0]}")
    monkeypatch.setitem(app.extensions, EXTENSION, s3)
    runner = app.test_cli_runner()

    done = runner.invoke(args=["kipp", "storage", "migrate", "--from", local.root])
    assert done.exit_code == 0, done.output
    assert "Files: 4; copied: 4" in done.output and "already there (same sha256): 0" in done.output
    expected = {o.key: local.sha256_of(o.key) for p in ("attachments/", "documents/") for o in local.list(p)
                if not o.partial}
    assert {key: s3.sha256_of(key) for key in _keys(s3, "attachments/") + _keys(s3, "documents/")} == expected
    for att, data in zip(ids, files):  # the app now serves them from the object store
        assert api("opd_a").get(f"/api/v1/innovation/{draft}/attachments/{att}").data == data

    again = runner.invoke(args=["kipp", "storage", "migrate", "--from", local.root])
    assert again.exit_code == 0, again.output
    assert "copied: 0" in again.output and "already there (same sha256): 4" in again.output

    local.put("attachments/late.pdf", b"%PDF-late")  # one more file, and one that differs in the target
    s3.put("documents/decree-901.pdf", b"other bytes")
    local.put("documents/decree-901.pdf", b"%PDF-the real one")
    third = runner.invoke(args=["kipp", "storage", "migrate", "--from", local.root, "-v"])
    assert third.exit_code != 0
    assert "copied: 1" in third.output and "already there (same sha256): 4" in third.output
    assert "different in the target" in third.output and "documents/decree-901.pdf" in third.output
    assert s3.read("documents/decree-901.pdf") == b"other bytes"  # a stored file is never overwritten
    assert s3.read("attachments/late.pdf") == b"%PDF-late"


def test_storage_migrate_refuses_when_no_other_storage_is_configured(app, tmp_path, monkeypatch):
    local = LocalStorage(str(tmp_path / "same"))
    local.put("attachments/a.pdf", b"x")
    monkeypatch.setitem(app.extensions, EXTENSION, local)
    done = app.test_cli_runner().invoke(args=["kipp", "storage", "migrate", "--from", local.root])
    assert done.exit_code != 0 and "SIKIPP_STORAGE_URL" in done.output


def test_storage_migrate_reports_a_store_that_refuses_writes(app, s3_server, s3_bucket, tmp_path, monkeypatch):
    local = LocalStorage(str(tmp_path / "src"))
    local.put("attachments/a.pdf", b"%PDF-a")
    monkeypatch.setitem(app.extensions, EXTENSION, s3_server.storage(s3_bucket, "refused", readonly=True))
    done = app.test_cli_runner().invoke(args=["kipp", "storage", "migrate", "--from", local.root])
    assert done.exit_code != 0 and "failed: 1" in done.output and "attachments/a.pdf" in done.output


@pytest.mark.browser
def test_attachment_uploaded_and_downloaded_in_the_browser(app, live_server, browser_page, draft, storage_backend,
                                                           tmp_path):
    """Chromium on the innovation's page: the upload form stores the PDF in the backend, the link downloads it."""
    page = browser_page
    pdf = tmp_path / "proposal.pdf"
    pdf.write_bytes(blank_pdf(pages=30))
    page.goto(f"{live_server}/login/")
    page.fill("#username", "opd_a")
    page.fill("#password", PASSWORD)
    page.click("[type=submit]")
    page.wait_for_load_state()
    page.goto(f"{live_server}/innovationview/show/{draft}")
    page.set_input_files("form.sikipp-upload input[name=file]", str(pdf))
    page.click("form.sikipp-upload [type=submit]")
    page.wait_for_load_state()
    assert page.locator(".attachment-row").count() == 1
    (row,) = _rows(app, draft)
    assert storage_backend.read(f"attachments/{row.stored_name}") == pdf.read_bytes()
    with page.expect_download() as info:
        page.click(".attachment-row a")
    download = info.value
    assert download.suggested_filename == "proposal.pdf"
    with open(download.path(), "rb") as fh:
        assert fh.read() == pdf.read_bytes()


def test_an_s3_server_stopped_under_the_app_answers_503_and_507_and_leaves_nothing(app, api, draft, monkeypatch):
    """A SeaweedFS server of this test's own, really stopped while the app uses it."""
    from tests.s3_helpers import start_seaweedfs

    server = start_seaweedfs()
    try:
        bucket = server.make_bucket()
        store = server.storage(bucket, "stopped", connect_timeout=1, read_timeout=3, max_attempts=1)
        monkeypatch.setitem(app.extensions, EXTENSION, store)
        r = _upload(api("opd_a"), draft, blank_pdf())
        assert r.status_code == 201
        att = r.get_json()["id"]
        server.stop()
        r = api("opd_a").get(f"/api/v1/innovation/{draft}/attachments/{att}")
        assert r.status_code == 503 and STORAGE_MESSAGE in r.get_json()["message"]
        r = _upload(api("opd_a"), draft, blank_pdf(pages=2))
        assert r.status_code == 507 and STORAGE_MESSAGE in r.get_json()["message"]
        assert len(_rows(app, draft)) == 1  # no row for the refused file
        r = app.test_client().get("/healthz")
        assert r.status_code == 503 and "storage" in r.get_json()["failing"]
    finally:
        server.stop()


def test_an_object_store_that_never_answers_times_out_into_507_and_503(app, api, draft, monkeypatch):
    """A port that accepts connections and then says nothing: the request ends with the storage message after the
    configured timeout instead of hanging."""
    import socket
    import time

    hole = socket.socket()
    hole.bind(("127.0.0.1", 0))
    hole.listen(16)
    try:
        store = S3Storage("sikipp-hole", "", endpoint_url=f"http://127.0.0.1:{hole.getsockname()[1]}",
                          access_key="a", secret_key="b", connect_timeout=1, read_timeout=1, max_attempts=1)
        monkeypatch.setitem(app.extensions, EXTENSION, store)
        started = time.monotonic()
        r = _upload(api("opd_a"), draft, blank_pdf())
        assert r.status_code == 507 and STORAGE_MESSAGE in r.get_json()["message"]
        assert time.monotonic() - started < 25  # not hanging (1 s timeouts; a loaded CI machine is slow)
        assert _rows(app, draft) == []
        from app.services.storage import StorageReadError

        with pytest.raises(StorageReadError):
            store.open("attachments/x.pdf")
    finally:
        hole.close()
