"""Active content in uploaded PDFs is found by parsing the object graph (issue 13 item 5): every crafted file of
the corpus (tests/pdf_corpus.py: JavaScript, escaped names, open and additional actions, URI and SubmitForm
open actions, Launch, embedded files, RichMedia, XFA, a compressed object stream, unparseable files) is
refused with 422 and a clear Indonesian reason, nothing is stored; clean files are accepted."""
import io
import os

import pytest

from app.extensions import db
from app.models import Attachment
from tests.conftest import PASSWORD
from tests.pdf_corpus import CLEAN, CORPUS


def _upload(client_api, pk, data, name="bukti.pdf"):
    return client_api.post(f"/api/v1/innovation/{pk}/attachments",
                           data={"file": (io.BytesIO(data), name, "application/pdf")},
                           content_type="multipart/form-data", json=None)


def _files(app):
    path = os.path.join(app.config["SIKIPP_STORAGE_DIR"], "attachments")
    return sorted(os.listdir(path)) if os.path.isdir(path) else []


@pytest.fixture
def draft(api, competition):
    return api("opd_a").post("/api/v1/innovation/", json={"competition_id": competition, "title": "SIPRAJA"}) \
        .get_json()["id"]


def test_the_corpus_hides_its_markers_from_a_byte_scan():
    """The object-stream and escaped-name files carry no plain marker a byte scan would find."""
    for name in ("object-stream-javascript", "escaped-name-javascript", "object-stream-escaped-uri"):
        data = CORPUS[name][0]
        assert b"/JavaScript" not in data and b"/URI" not in data, name


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_crafted_pdf_is_refused_with_422(app, api, draft, name):
    data, reason = CORPUS[name]
    before = _files(app)
    r = _upload(api("opd_a"), draft, data)
    assert r.status_code == 422, (name, r.status_code, r.get_json())
    message = r.get_json()["message"]["file"][0]
    assert reason in message, (name, message)
    assert "PDF" in message and ("tidak diterima" in message or "rusak" in message), message  # Indonesian
    assert _files(app) == before
    with app.app_context():
        assert db.session.query(Attachment).count() == 0


@pytest.mark.parametrize("name", sorted(CLEAN))
def test_clean_pdf_is_accepted(app, api, draft, name):
    r = _upload(api("opd_a"), draft, CLEAN[name])
    assert r.status_code == 201, (name, r.get_json())


def test_the_screen_door_refuses_the_same_file(app, draft):
    screen = app.test_client()
    assert screen.post("/login/", data={"username": "opd_a", "password": PASSWORD}).status_code == 302
    r = screen.post(f"/innovationview/attachments/{draft}",
                    data={"file": (io.BytesIO(CORPUS["object-stream-javascript"][0]), "a.pdf")},
                    content_type="multipart/form-data", follow_redirects=True)
    assert r.status_code == 200
    assert "JavaScript" in r.get_data(as_text=True) and "tidak diterima" in r.get_data(as_text=True)
    with app.app_context():
        assert db.session.query(Attachment).count() == 0
