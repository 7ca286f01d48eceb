"""Bulk issuing of certificates: the worker is killed mid-way (SIGKILL), a rerun completes only what is
missing, and every award ends with exactly one certificate — never a half-issued one."""
import hashlib
import os
import signal
import subprocess
import sys
import tempfile
import time

import pytest
from sqlalchemy import func

from tests.documents_helpers import (
    docs,  # noqa: F401  (the fixture)
    draft_decree,
    seed_awards,
    sign,
    signing_pair,
    validate_signature,
)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

pytestmark = pytest.mark.usefixtures("docs")
KEY, CERT = signing_pair()


def _worker_env(app):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SIKIPP_", "FLASK_"))}
    env.update({"DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "SIKIPP_DEV": "1",
                "SIKIPP_STORAGE_DIR": app.config["SIKIPP_STORAGE_DIR"], "SIKIPP_SIGNING_KEY": KEY,
                "SIKIPP_SIGNING_CERT": CERT, "SIKIPP_BASE_URL": app.config["SIKIPP_BASE_URL"],
                "SIKIPP_INSTANCE_DIR": tempfile.mkdtemp(prefix="sikipp-worker-"), "PYTHONPATH": ROOT})
    return env


def _cli(competition):
    return [sys.executable, "-m", "flask", "--app", "run.py", "kipp", "issue-certificates", "--competition",
            str(competition)]


def _certificates(app, decree_id):
    from app.extensions import db
    from app.models import IssuedDocument

    with app.app_context():
        db.session.rollback()
        return [(d.award_id, d.stored_name, d.sha256) for d in db.session.query(IssuedDocument).filter(
            IssuedDocument.decree_id == decree_id, IssuedDocument.kind == "certificate")]


def test_killed_worker_leaves_no_half_issued_certificate_and_a_rerun_completes(app, client):
    from app.services.documents import storage

    comp, award_ids = seed_awards(app, prizes=[1000000 * (i + 1) for i in range(10)])
    pk = draft_decree(client, comp)
    sign(client, pk)
    env = _worker_env(app)

    worker = subprocess.Popen(_cli(comp), cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while len(_certificates(app, pk)) < 2 and time.monotonic() < deadline and worker.poll() is None:
        time.sleep(0.05)
    worker.send_signal(signal.SIGKILL)
    worker.wait(timeout=10)
    done = _certificates(app, pk)
    assert 2 <= len(done) < len(award_ids), "the worker should have been killed mid-way"
    for _award, name, sha in done:  # whatever exists is complete: its file is there, whole
        with app.app_context():
            assert hashlib.sha256(storage.read(name)).hexdigest() == sha

    rerun = subprocess.run(_cli(comp), cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert f"Decree {pk}: 10/10 certificates issued." in rerun.stdout, rerun.stdout
    final = _certificates(app, pk)
    assert sorted(a for a, _n, _s in final) == sorted(award_ids)  # exactly one per award
    assert {a: (n, s) for a, n, s in done}.items() <= {a: (n, s) for a, n, s in final}.items()  # kept as they were
    for _award, name, sha in final:
        with app.app_context():
            data = storage.read(name)
        assert hashlib.sha256(data).hexdigest() == sha
    status = validate_signature(data, CERT)
    assert status.intact and status.valid and status.trusted

    again = subprocess.run(_cli(comp), cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert again.returncode == 0 and len(_certificates(app, pk)) == 10  # nothing more to do


def test_issue_endpoint_and_progress(app, client):
    from tests.conftest import Api

    comp, award_ids = seed_awards(app, prizes=(1, 2))
    pk = draft_decree(client, comp)
    sekretariat = Api(client, "sekretariat")
    assert sekretariat.post(f"/api/v1/decree/{pk}/certificates").status_code == 409  # still a draft
    sign(client, pk)
    assert Api(client, "penandatangan").post(f"/api/v1/decree/{pk}/certificates").status_code == 403
    r = sekretariat.post(f"/api/v1/decree/{pk}/certificates")
    assert r.status_code == 202 and r.headers["Retry-After"]
    body = sekretariat.get(f"/api/v1/decree/{pk}/certificates").get_json()
    assert (body["total"], body["issued"], body["missing"], body["done"]) == (2, 2, 0, True)
    from tests.conftest import PASSWORD

    browser = app.test_client()
    assert browser.post("/login/", data={"username": "sekretariat", "password": PASSWORD}).status_code == 302
    page = browser.get("/documents/").get_data(as_text=True)
    assert "cert-progress" in page and 'max="2"' in page and 'value="2"' in page
    assert "dev-signer-warning" not in page  # a configured pair: no development warning


def test_eager_mode_issues_after_commit(app, client, monkeypatch):
    from app.extensions import db
    from app.models import IssuedDocument, OutboxMessage

    monkeypatch.setitem(app.config, "SIKIPP_JOBS_MODE", "eager")
    comp, award_ids = seed_awards(app, prizes=(1,))
    pk = draft_decree(client, comp)
    sign(client, pk)
    with app.app_context():
        assert db.session.query(func.count(IssuedDocument.id)).filter(
            IssuedDocument.decree_id == pk, IssuedDocument.kind == "certificate").scalar() == 1
        (message,) = db.session.query(OutboxMessage).filter(OutboxMessage.kind == "issue_certificates").all()
        assert message.status == "sent" and message.payload == {"decree_id": pk}


def test_a_batch_is_recorded_only_once_its_files_are_durable(app, client, monkeypatch):
    """Certificates are issued in batches: files written, made durable (each file, then the directory),
    then one commit. If making them durable fails, nothing is recorded and the files go; a rerun issues all."""
    from app.commands import certificates
    from app.extensions import db
    from app.models import IssuedDocument
    from app.services.documents import issuing, storage
    from app.services.storage import StorageError as StorageWriteError

    comp, award_ids = seed_awards(app, prizes=[1000000 * (i + 1) for i in range(4)])
    pk = draft_decree(client, comp)
    sign(client, pk)
    folder = os.path.join(app.config["SIKIPP_STORAGE_DIR"], "documents")
    os.makedirs(folder, exist_ok=True)

    earlier = set(os.listdir(folder))  # the storage folder may be shared with other tests

    def cert_files():
        return sorted(n for n in set(os.listdir(folder)) - earlier if n.startswith("cert-"))

    real, calls = storage.make_durable, []

    def failing(names):
        with app.app_context():  # nothing of this batch is recorded yet
            assert db.session.query(IssuedDocument).filter(IssuedDocument.decree_id == pk,
                                                           IssuedDocument.kind == "certificate").count() == 0
        calls.append(list(names))
        raise StorageWriteError(OSError(5, "Input/output error"))

    monkeypatch.setattr(storage, "make_durable", failing)
    with app.app_context(), pytest.raises(StorageWriteError):
        certificates.issue_missing(db.session, pk, app.config)
    assert calls and len(calls[0]) == issuing.CERTIFICATE_BATCH_FIRST
    assert cert_files() == [] and _certificates(app, pk) == []  # no row, no file left behind

    recorded = []

    def durable(names):
        real(names)
        recorded.append(list(names))
        with app.app_context():
            rows = {n for (n,) in db.session.query(IssuedDocument.stored_name)}
        assert not rows & set(names)  # durable before any row refers to them

    monkeypatch.setattr(storage, "make_durable", durable)
    with app.app_context():
        assert certificates.issue_missing(db.session, pk, app.config)["done"] is True
    final = _certificates(app, pk)
    assert sorted(a for a, _n, _s in final) == sorted(award_ids)
    assert sorted(n for names in recorded for n in names) == sorted(n for _a, n, _s in final) == cert_files()
    assert [len(names) for names in recorded] == [2, 2]  # batches of 2, then up to twice as many
    for _award, name, sha in final:
        with app.app_context():
            assert hashlib.sha256(storage.read(name)).hexdigest() == sha
