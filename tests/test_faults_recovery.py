"""Recovery after kill -9 (issue 13 item 1, DESIGN §6).

- A real ``huey_consumer`` process killed (SIGKILL) in the middle of issuing 100 certificates, its queue lost:
  the next consumer's start-up sweep completes the decree; every award ends with exactly one valid certificate
  (pyHanko validation of each file and ``/verify/<code>``), and the orphan files of the killed batch are removed.
- A signing process killed between writing the decree file and committing (a deterministic pause point,
  ``SIKIPP_FAULT_PAUSE=decree-written``): the decree is still a draft with no number; the signed orphan file is
  removed by ``kipp recover`` — or replaced by the next signature, which takes the same, never-issued number — so
  no two files ever carry one number.
"""
import hashlib
import os
import signal
import subprocess
import sys
import tempfile
import time

import pytest
from sqlalchemy import func

from app.extensions import db
from app.models import Decree, IssuedDocument
from tests.conftest import PASSWORD
from tests.documents_helpers import (
    docs,  # noqa: F401  (the fixture)
    draft_decree,
    paraf,
    pdf_text,
    seed_awards,
    sign,
    signing_pair,
    validate_signature,
)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
KEY, CERT = signing_pair()
pytestmark = pytest.mark.usefixtures("docs")


def _env(app, **extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SIKIPP_", "FLASK_", "REDIS_"))}
    env.update({"DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "SIKIPP_DEV": "1",
                "SIKIPP_STORAGE_DIR": app.config["SIKIPP_STORAGE_DIR"], "SIKIPP_SIGNING_KEY": KEY,
                "SIKIPP_SIGNING_CERT": CERT, "SIKIPP_BASE_URL": app.config["SIKIPP_BASE_URL"],
                "SIKIPP_HUEY_FILE": app.config["SIKIPP_HUEY_FILE"], "SIKIPP_HUEY_NAME": app.config["SIKIPP_HUEY_NAME"],
                "SIKIPP_INSTANCE_DIR": tempfile.mkdtemp(prefix="sikipp-fault-"), "PYTHONPATH": ROOT, **extra})
    return env


def _certificates(app, decree_id):
    with app.app_context():
        db.session.rollback()
        rows = [(d.award_id, d.stored_name, d.sha256, d.code) for d in db.session.query(IssuedDocument).filter(
            IssuedDocument.decree_id == decree_id, IssuedDocument.kind == "certificate")]
        db.session.rollback()
        return rows


def _consumer(env):
    return subprocess.Popen([sys.executable, "-m", "huey.bin.huey_consumer", "app.jobs.huey", "-w", "1", "-k",
                             "thread", "-d", "0.05", "-m", "0.2"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


def _wait_for(predicate, proc, timeout, what):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        assert proc is None or proc.poll() is None, f"the process ended while waiting for {what}"
        time.sleep(0.05)


def _stop(proc):
    if proc.poll() is None:
        proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)


def test_kill_9_of_the_consumer_during_100_certificates_and_the_sweep_completes_them(app, client, capsys):
    from app import jobs
    from app.services import recovery
    from app.services.documents import storage

    comp, award_ids = seed_awards(app, prizes=[1000000 + i for i in range(100)])
    pk = draft_decree(client, comp)
    sign(client, pk)  # jobs "manual": nothing issued yet; the consumer gets the job below
    env = _env(app, SIKIPP_JOBS_MODE="queue")
    queue = jobs.queue(app).huey
    queue.flush()
    jobs.queue(app).issue_certificates(pk)

    first = _consumer(env)
    try:
        _wait_for(lambda: len(_certificates(app, pk)) >= 10, first, 300, "10 certificates")
    finally:
        _stop(first)  # kill -9 mid-run
    killed_at = len(_certificates(app, pk))
    assert 10 <= killed_at < 100, "the consumer should have been killed mid-way"
    queue.flush()  # the dequeued job died with its consumer (and nothing else queued survives): only the sweep

    started = time.monotonic()
    second = _consumer(env)  # its start-up sweep finds the decree with missing certificates
    try:
        _wait_for(lambda: len(_certificates(app, pk)) >= 100, second, 600, "the sweep to complete 100 certificates")
    finally:
        _stop(second)
    recovery_seconds = time.monotonic() - started

    final = _certificates(app, pk)
    assert sorted(a for a, *_rest in final) == sorted(award_ids)  # exactly one per award
    verify = client
    for award_id, name, sha, code in final:
        with app.app_context():
            data = storage.read(name)
        assert hashlib.sha256(data).hexdigest() == sha
        status = validate_signature(data, CERT)
        assert status.intact and status.valid and status.trusted, award_id
        body = verify.get(f"/verify/{code}", headers={"Accept": "application/json"}).get_json()
        assert body["valid"] is True, body

    with app.app_context():  # files of the killed batch: no row refers to them; the sweep (grace 0) removes them
        recovery.remove_orphans(db.session, grace_seconds=0)
        listed = {o.key for o in storage.get_storage().list("documents/") if o.key.startswith(f"documents/cert-{pk}-")}
    assert listed == {storage.key(name) for _a, name, _s, _c in final}
    with capsys.disabled():
        print(f"\n[measure] 100 certificates: killed after {killed_at}; the start-up sweep completed the other "
              f"{100 - killed_at} in {recovery_seconds:.1f} s (consumer start included)")


SIGN_SCRIPT = """
import json, os, sys
from app import create_app
app = create_app()
client = app.test_client()
token = client.post("/api/v1/security/login", json={"username": "penandatangan", "password": sys.argv[2],
                    "provider": "db"}).get_json()["access_token"]
r = client.post(f"/api/v1/decree/{sys.argv[1]}/transitions/sign", json={},
                headers={"Authorization": f"Bearer {token}"})
print(r.status_code, json.dumps(r.get_json()))
"""


def _sign_and_kill_after_the_file_is_written(app, pk):
    marker = os.path.join(tempfile.mkdtemp(prefix="sikipp-pause-"), "paused")
    env = _env(app, SIKIPP_JOBS_MODE="manual", SIKIPP_FAULT_PAUSE="decree-written", SIKIPP_FAULT_PAUSE_FILE=marker)
    proc = subprocess.Popen([sys.executable, "-c", SIGN_SCRIPT, str(pk), PASSWORD], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        _wait_for(lambda: os.path.exists(marker), proc, 120, "the pause point after the decree file is written")
    finally:
        _stop(proc)  # kill -9 between the file write and the commit


def _decree_state(app, pk):
    with app.app_context():
        db.session.rollback()
        d = db.session.get(Decree, pk)
        rows = db.session.query(IssuedDocument).filter_by(decree_id=pk, kind="decree").all()
        out = (d.state, d.number, [(r.stored_name, r.sha256, r.number) for r in rows])
        db.session.rollback()
        return out


def _decree_files(app):
    folder = os.path.join(app.config["SIKIPP_STORAGE_DIR"], "documents")
    os.makedirs(folder, exist_ok=True)
    return {n: open(os.path.join(folder, n), "rb").read() for n in os.listdir(folder) if n.startswith("decree-")}


def test_kill_9_between_the_decree_file_and_the_commit_leaves_no_orphan_and_no_reused_number(app, client, api):
    comp, _awards = seed_awards(app, prizes=(1000000, 500000))
    other, _awards = seed_awards(app, prizes=(1000000,), title_prefix="Inovasi Lain")  # one draft per competition
    first, second = draft_decree(client, comp), draft_decree(client, other)
    paraf(client, first)  # the paraf chain (Hukum) has initialled both: only the signature is left
    paraf(client, second)
    for name in [n for n in _decree_files(app) if n in (f"decree-{first}.pdf", f"decree-{second}.pdf")]:
        os.unlink(os.path.join(app.config["SIKIPP_STORAGE_DIR"], "documents", name))  # ids reused across tests

    # 1. killed after the file is written: a signed orphan carrying the would-be number, no row, still a draft
    _sign_and_kill_after_the_file_is_written(app, first)
    assert _decree_state(app, first) == ("draft", None, [])
    orphan = _decree_files(app)[f"decree-{first}.pdf"]
    assert "188/1/" in pdf_text(orphan)  # it is signed with the number the register did not consume

    # 2. `kipp recover` removes it (grace 0 here; the default grace spares files a live transaction may commit)
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "run.py", "kipp", "recover", "--grace", "0",
                           "--no-certificates"], cwd=ROOT, env=_env(app), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"documents/decree-{first}.pdf" in done.stdout
    assert f"decree-{first}.pdf" not in _decree_files(app)

    # 3. killed again on the other decree, then signed without any sweep: the signature replaces the orphan
    _sign_and_kill_after_the_file_is_written(app, second)
    assert _decree_state(app, second) == ("draft", None, [])
    assert f"decree-{second}.pdf" in _decree_files(app)
    for pk in (second, first):  # signed now (their initials still hold: the killed signatures changed nothing)
        r = api("penandatangan").post(f"/api/v1/decree/{pk}/transitions/sign", json={})
        assert r.status_code == 200, r.get_json()
    numbers = {}
    for pk in (first, second):
        state, number, rows = _decree_state(app, pk)
        assert state == "signed" and len(rows) == 1 and rows[0][2] == number
        data = _decree_files(app)[rows[0][0]]
        assert hashlib.sha256(data).hexdigest() == rows[0][1]  # the file under its name is the committed one
        numbers[pk] = number
    assert numbers[second].startswith("188/1/") and numbers[first].startswith("188/2/")  # none consumed by a crash
    files = _decree_files(app)
    mine = {n: d for n, d in files.items() if n in (f"decree-{first}.pdf", f"decree-{second}.pdf")}
    assert len(mine) == 2
    for number in numbers.values():  # each number is carried by exactly one stored decree file
        assert sum(number in pdf_text(d) for d in mine.values()) == 1
    with app.app_context():
        assert db.session.query(func.count(IssuedDocument.id)).filter(IssuedDocument.kind == "decree",
                                                                      IssuedDocument.decree_id.in_((first, second))
                                                                      ).scalar() == 2
