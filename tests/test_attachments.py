"""Attachments: PDFs checked by content, stored under generated names, visible only to those who may
see the proposal; hostile uploads are refused with a clear 4xx and leave nothing behind."""
import hashlib
import io
import zipfile

import pytest

from app.extensions import db
from app.models import Attachment, Innovation
from tests.pdfs import blank_pdf

# Every test here runs on both storage backends: a local directory and a real S3 server (issue 14).
pytestmark = pytest.mark.usefixtures("storage_backend")


def _files(app):
    """The attachment names in the app's storage, temporary ``.part`` names and unfinished uploads included."""
    from app.services.storage import get_storage

    return sorted(o.key.split("/", 1)[1] for o in get_storage(app).list("attachments/"))


def _upload(client_api, pk, data, name="sk-tim.pdf", content_type="application/pdf"):
    return client_api.post(f"/api/v1/innovation/{pk}/attachments",
                           data={"file": (io.BytesIO(data), name, content_type)}, content_type="multipart/form-data",
                           json=None)


@pytest.fixture
def draft(api, competition):
    return api("opd_a").post("/api/v1/innovation/", json={"competition_id": competition, "title": "SIPRAJA"}) \
        .get_json()["id"]


def test_upload_list_download_delete(app, api, draft):
    opd = api("opd_a")
    pdf = blank_pdf()
    r = _upload(opd, draft, pdf)
    assert r.status_code == 201, r.get_json()
    body = r.get_json()["result"]
    assert body["sha256"] == hashlib.sha256(pdf).hexdigest() and body["original_name"] == "sk-tim.pdf"
    with app.app_context():
        att = db.session.get(Attachment, body["id"])
        assert att.stored_name != "sk-tim.pdf" and att.stored_name in _files(app)
    listing = opd.get(f"/api/v1/innovation/{draft}/attachments").get_json()["result"]
    assert [a["id"] for a in listing] == [body["id"]]
    r = opd.get(f"/api/v1/innovation/{draft}/attachments/{body['id']}")
    assert r.status_code == 200 and r.data == pdf and r.mimetype == "application/pdf"
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    # The Sekretariat reads; another unit never sees it.
    assert api("sekretariat").get(f"/api/v1/innovation/{draft}/attachments/{body['id']}").status_code == 200
    assert api("opd_b").get(f"/api/v1/innovation/{draft}/attachments").status_code == 404
    assert api("opd_b").get(f"/api/v1/innovation/{draft}/attachments/{body['id']}").status_code == 404
    assert api("opd_b").delete(f"/api/v1/innovation/{draft}/attachments/{body['id']}").status_code == 404
    assert api("juri1").get(f"/api/v1/innovation/{draft}/attachments/{body['id']}").status_code == 404
    # Removable while draft by its unit.
    r = opd.delete(f"/api/v1/innovation/{draft}/attachments/{body['id']}")
    assert r.status_code == 200
    assert att.stored_name not in _files(app)


HOSTILE = {
    "executable": (b"MZ\x90\x00" + b"\x00" * 200, "program.pdf"),
    "empty": (b"", "kosong.pdf"),
    "zip": (None, "arsip.pdf"),
    "svg": (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "gambar.pdf"),
    "fake-header": (b"%PDF-1.7\n this is not really a pdf", "palsu.pdf"),
    "javascript": (None, "js.pdf"),
    "traversal": (None, "../../etc/passwd.pdf"),
    "backslash": (None, "..\\..\\win.pdf"),
}


def _hostile_bytes(kind):
    data, name = HOSTILE[kind]
    if kind == "zip":
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            z.writestr("a.txt", "isi")
        data = buf.getvalue()
    elif kind == "javascript":
        data = blank_pdf().replace(b"/Type /Catalog", b"/Type /Catalog /OpenAction << /S /JavaScript /JS (app.alert(1)) >>")
    elif data is None:
        data = blank_pdf()
    return data, name


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_hostile_uploads_are_refused_and_leave_nothing(app, api, draft, kind):
    data, name = _hostile_bytes(kind)
    before = _files(app)
    r = _upload(api("opd_a"), draft, data, name=name)
    assert 400 <= r.status_code < 500, (kind, r.status_code)
    assert r.get_json()["message"]
    assert _files(app) == before
    with app.app_context():
        assert db.session.query(Attachment).count() == 0


def test_oversized_file_is_refused(app, api, draft, competition):
    api("sekretariat").put(f"/api/v1/competition/{competition}", json={"max_attachment_mb": 1})
    big = blank_pdf() + b"%" + b"0" * (1024 * 1024 + 10)
    before = _files(app)
    r = _upload(api("opd_a"), draft, big)
    assert r.status_code == 422 and "1 MB" in str(r.get_json()["message"])
    assert _files(app) == before


def test_no_upload_outside_draft_or_for_other_roles(app, api, draft):
    with app.app_context():
        db.session.get(Innovation, draft).state = "submitted"
        db.session.commit()
    assert _upload(api("opd_a"), draft, blank_pdf()).status_code == 409
    assert _upload(api("sekretariat"), draft, blank_pdf()).status_code == 403
    assert _upload(api("opd_b"), draft, blank_pdf()).status_code == 404


def test_missing_file_field(api, draft):
    r = api("opd_a").post(f"/api/v1/innovation/{draft}/attachments", data={}, content_type="multipart/form-data",
                          json=None)
    assert r.status_code == 422 and "file" in r.get_json()["message"]
