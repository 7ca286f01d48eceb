"""Several hosts (issue 14 item 3, DESIGN §6 scale-out): two app hosts — each its own gunicorn (gunicorn.conf.py,
its own port and instance directory) — and separate job consumers, all on ONE PostgreSQL database, ONE Redis
database and ONE S3 bucket on a real SeaweedFS server, talked to over real sockets only.

- An OPD uploads an attachment on host A; host B serves it byte-identical.
- The decree is drafted, initialled and signed on A; the consumer issues its certificates and is killed (kill -9)
  in the middle (a deterministic pause point after the first committed batch); another consumer finishes the
  batch. Every award has exactly one certificate; B serves the decree and every certificate, and B's ``/verify``
  (the uploaded file and the QR code's address) says each is valid.

The hosts run the production configuration (not TESTING): jobs go through Redis (``SIKIPP_JOBS_MODE`` queue),
and no host shares a directory with another except through the configured store.

Run alone, on PostgreSQL, after the suite (``scripts/test``; marked ``multihost``, left out of every other run by
tests/conftest.py). Nothing here is skipped: a host, a consumer or the store that does not start fails the test.
"""
import hashlib
import io
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import pytest
import requests
from sqlalchemy import func

from app.extensions import db
from app.models import Decree, IssuedDocument
from tests import redis_dbs
from tests.conftest import PASSWORD, is_postgres
from tests.documents_helpers import seed_awards, signing_pair, validate_signature
from tests.s3_helpers import free_ports

pytestmark = pytest.mark.multihost

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
START_TIMEOUT = 180  # seconds for a host to answer /healthz (a loaded 2-core CI machine)
PAUSE = "certificates-batch-committed"  # app/commands/certificates.py
timings: dict = {}


def _tail(path, lines=60):
    try:
        with open(path, errors="replace") as fh:
            return "".join(fh.readlines()[-lines:])
    except OSError:
        return "(no log)"


class Process:
    """A child process with its output in a log file (shown when something fails)."""

    def __init__(self, name, argv, env, workdir):
        self.name = name
        self.log_path = os.path.join(workdir, f"{name}.log")
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT,
                                     start_new_session=True)

    def alive(self):
        return self.proc.poll() is None

    def fail_unless_alive(self, what):
        if not self.alive():
            pytest.fail(f"{self.name} ended (exit {self.proc.returncode}) while {what}:\n{_tail(self.log_path)}")

    def kill9(self):
        """SIGKILL to the whole process group (gunicorn's master and workers; the consumer)."""
        if self.alive():
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)
        self.log.close()

    def stop(self):
        if self.alive():
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=30)
        self.log.close()


class Host(Process):
    """One app host: gunicorn with the repository's gunicorn.conf.py on its own port."""

    def __init__(self, name, env, workdir, workers, port):
        self.port = port
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**env, "PORT": str(self.port), "WEB_CONCURRENCY": str(workers),
               "SIKIPP_INSTANCE_DIR": tempfile.mkdtemp(prefix=f"sikipp-{name}-", dir=workdir)}
        super().__init__(name, [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "run:app"], env, workdir)

    def wait_ready(self):
        deadline = time.monotonic() + START_TIMEOUT
        last = None
        while time.monotonic() < deadline:
            self.fail_unless_alive("starting")
            try:
                r = requests.get(f"{self.url}/healthz", timeout=5)
                if r.status_code == 200:
                    return r.json()
                last = (r.status_code, r.text[:300])
            except requests.RequestException as err:
                last = err
            time.sleep(0.25)
        pytest.fail(f"{self.name} did not answer /healthz within {START_TIMEOUT} s (last: {last}):\n"
                    f"{_tail(self.log_path)}")


class Consumer(Process):
    """A job consumer as production runs it (``huey_consumer app.jobs.huey``), one worker thread."""

    def __init__(self, name, env, workdir, **extra):
        env = {**env, "SIKIPP_INSTANCE_DIR": tempfile.mkdtemp(prefix=f"sikipp-{name}-", dir=workdir), **extra}
        super().__init__(name, [sys.executable, "-m", "huey.bin.huey_consumer", "app.jobs.huey", "-w", "1",
                                "-k", "thread", "-d", "0.05", "-m", "0.2"], env, workdir)


def _local_files(workdir):
    """Every file the hosts and consumers wrote under the test's directory (their instance directories) except
    their logs and the pause marker: with the object store, none (no host keeps a file of its own)."""
    found = []
    for folder, _dirs, names in os.walk(workdir):
        found += [os.path.join(folder, n) for n in names if not n.endswith(".log") and n != "paused"]
    return found


@pytest.fixture(scope="module")
def cluster(app, request):
    if not is_postgres(app):
        pytest.fail("the multi-host test runs on PostgreSQL: SIKIPP_TEST_DATABASE=postgresql -m multihost")
    import redis

    t0 = time.monotonic()
    workdir = tempfile.mkdtemp(prefix="sikipp-multihost-")
    s3_server = request.getfixturevalue("s3_server")  # a real SeaweedFS (tests/s3_helpers.py): raises if it can't
    bucket = s3_server.make_bucket()
    key, cert = signing_pair()
    queue_name = f"sikipp-multihost-{os.getpid()}"
    redis.Redis.from_url(redis_dbs.MULTIHOST).flushdb()  # this test's database only (tests/redis_dbs.py)
    base = {k: v for k, v in os.environ.items()
            if not k.startswith(("SIKIPP_", "FLASK_", "REDIS_", "AWS_", "DATABASE_", "WEB_CONCURRENCY", "PORT"))}
    env = {**base, "PYTHONPATH": ROOT, "SECRET_KEY": secrets.token_hex(32),  # one key: A's tokens work on B
           "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "REDIS_URL": redis_dbs.MULTIHOST,
           "SIKIPP_HUEY_NAME": queue_name, "SIKIPP_SIGNING_KEY": key, "SIKIPP_SIGNING_CERT": cert,
           "SIKIPP_LOG_LEVEL": "INFO", **s3_server.env(bucket, "multihost")}
    port_a, port_b = free_ports(2)  # held open together: two different ports
    env["SIKIPP_BASE_URL"] = f"http://127.0.0.1:{port_a}"  # documents' QR codes point at A; B verifies them
    timings["SeaweedFS up (s)"] = round(time.monotonic() - t0, 1)
    started = time.monotonic()
    host_a = Host("host-a", env, workdir, workers=2, port=port_a)
    host_b = Host("host-b", env, workdir, workers=1, port=port_b)
    hosts = [host_a, host_b]
    try:
        for host in hosts:
            health = host.wait_ready()
            assert health["checks"] == {"database": "ok", "queue": "ok", "storage": "ok"}, health
            with open(host.log_path, errors="replace") as fh:  # gunicorn.conf.py's when_ready ran in the master
                assert "app loaded and frozen" in fh.read(), _tail(host.log_path)
        timings["two hosts up (s)"] = round(time.monotonic() - started, 1)
        yield {"a": host_a, "b": host_b, "env": env, "workdir": workdir, "cert": cert,
               "objects": lambda prefix: sorted(o["Key"] for o in s3_server.client.list_objects_v2(
                   Bucket=bucket, Prefix=f"multihost/{prefix}").get("Contents", []))}
    finally:
        for host in hosts:
            host.stop()
        shutil.rmtree(workdir, ignore_errors=True)  # logs and instance directories (a failure showed their tails)
    capture = request.config.pluginmanager.getplugin("capturemanager")
    with capture.global_and_fixture_disabled():  # the numbers reach the CI log even when the test passes
        print("\n[measure] multi-host: " + ", ".join(f"{k} {v}" for k, v in timings.items()), flush=True)


class Client:
    """A JSON client of one host, logged in through the API with a JWT (as the API tests do)."""

    def __init__(self, host, username):
        self.base = host.url
        r = requests.post(f"{self.base}/api/v1/security/login",
                          json={"username": username, "password": PASSWORD, "provider": "db"}, timeout=30)
        assert r.status_code == 200, (username, r.status_code, r.text[:300])
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {r.json()['access_token']}"

    def get(self, path, **kw):
        return self.session.get(self.base + path, timeout=120, **kw)

    def post(self, path, **kw):
        return self.session.post(self.base + path, timeout=120, **kw)


def big_pdf(megabytes=3):
    """A real PDF of a few MB that does not compress (random bytes in a comment block of its page): large enough
    for a multi-part upload to the object store and a streamed download."""
    from pypdf import PdfWriter
    from pypdf.generic import DecodedStreamObject, NameObject

    writer = PdfWriter()
    page = writer.add_blank_page(width=595, height=842)
    filler = secrets.token_hex(megabytes * 512 * 1024)  # hex: 2 characters per random byte
    lines = "\n".join("%" + filler[i:i + 120] for i in range(0, len(filler), 120))
    content = DecodedStreamObject()
    content.set_data(("q\n" + lines + "\nQ\n").encode())
    page[NameObject("/Contents")] = writer._add_object(content)
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def test_an_attachment_uploaded_on_host_a_downloads_byte_identical_on_host_b(app, cluster, competition):
    a, b = cluster["a"], cluster["b"]
    opd_a, opd_b = Client(a, "opd_a"), Client(b, "opd_a")
    r = opd_a.post("/api/v1/innovation/", json={"competition_id": competition, "title": "SIPRAJA Lintas Host"})
    assert r.status_code == 201, r.text[:300]
    pk = r.json()["id"]
    pdf = big_pdf()
    started = time.monotonic()
    r = opd_a.post(f"/api/v1/innovation/{pk}/attachments",
                   files={"file": ("sk-tim.pdf", pdf, "application/pdf")})
    timings[f"upload {len(pdf) / 1e6:.1f} MB on A (s)"] = round(time.monotonic() - started, 2)
    assert r.status_code == 201, r.text[:300]
    attachment = r.json()["result"]
    assert attachment["sha256"] == hashlib.sha256(pdf).hexdigest()

    assert len(cluster["objects"]("attachments/")) == 1  # in the bucket ...
    assert _local_files(cluster["workdir"]) == []  # ... and on no host's disk

    listing = opd_b.get(f"/api/v1/innovation/{pk}/attachments")
    assert [x["id"] for x in listing.json()["result"]] == [attachment["id"]]
    started = time.monotonic()
    r = opd_b.get(f"/api/v1/innovation/{pk}/attachments/{attachment['id']}")
    timings["download on B (s)"] = round(time.monotonic() - started, 2)
    assert r.status_code == 200, r.text[:300]
    assert r.content == pdf and r.headers["Content-Type"].startswith("application/pdf")
    # the rule travels too: another unit sees nothing on B either
    assert Client(b, "opd_b").get(f"/api/v1/innovation/{pk}/attachments/{attachment['id']}").status_code == 404


def _certificates(app, decree_id):
    with app.app_context():
        db.session.rollback()
        rows = [(d.award_id, d.sha256, d.code) for d in db.session.query(IssuedDocument).filter(
            IssuedDocument.decree_id == decree_id, IssuedDocument.kind == "certificate")]
        db.session.rollback()
        return rows


def _wait_for(predicate, process, timeout, what):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout} s waiting for {what}:\n{_tail(process.log_path)}")
        process.fail_unless_alive(f"waiting for {what}")
        time.sleep(0.1)


def _verified_on(host, pdf, code, cert):
    """The file is a signed, intact PDF that host's /verify knows as valid, by upload and by its QR code."""
    status = validate_signature(pdf, cert)
    assert status is not None and status.intact and status.valid and status.trusted
    r = requests.post(f"{host.url}/verify", files={"file": ("dokumen.pdf", pdf, "application/pdf")},
                      headers={"Accept": "application/json"}, timeout=120)
    assert r.status_code == 200 and r.json()["valid"] is True, r.text[:300]
    assert r.json()["sha256"] == hashlib.sha256(pdf).hexdigest()
    r = requests.get(f"{host.url}/verify/{code}", headers={"Accept": "application/json"}, timeout=120)
    assert r.status_code == 200 and r.json()["valid"] is True, r.text[:300]


def test_decree_signed_on_a_certificates_survive_a_killed_consumer_and_verify_on_b(app, cluster):
    a, b, env, workdir = cluster["a"], cluster["b"], cluster["env"], cluster["workdir"]
    comp, award_ids = seed_awards(app, prizes=[5000000, 4000000, 3000000, 2000000, 1000000, 500000])
    assert len(award_ids) == 6  # batches of 2 then 4 (issuing.CERTIFICATE_BATCH_*): the kill falls between them

    # The consumer pauses right after committing its first batch of certificates (a deterministic point in the
    # middle of the decree), and is killed there.
    marker = os.path.join(workdir, "paused")
    first = Consumer("consumer-1", env, workdir, SIKIPP_FAULT_PAUSE=PAUSE, SIKIPP_FAULT_PAUSE_FILE=marker)
    second = None
    try:
        r = Client(a, "sekretariat").post("/api/v1/decree/", json={"competition_id": comp})
        assert r.status_code == 201, r.text[:300]
        pk = r.json()["id"]
        r = Client(a, "hukum").post(f"/api/v1/decree/{pk}/transitions/paraf", json={"data": {}})
        assert r.status_code == 200, r.text[:300]
        started = time.monotonic()
        r = Client(a, "penandatangan").post(f"/api/v1/decree/{pk}/transitions/sign", json={})
        timings["sign on A (s)"] = round(time.monotonic() - started, 2)
        assert r.status_code == 200, r.text[:300]

        # the sign commit recorded an outbox message; host A woke the consumer through Redis
        _wait_for(lambda: os.path.exists(marker), first, 300, "the consumer to commit its first certificates")
        timings["first batch by consumer 1 (s)"] = round(time.monotonic() - started, 1)
        first.kill9()
        killed_at = len(_certificates(app, pk))
        assert 0 < killed_at < len(award_ids), killed_at  # killed in the middle of the decree

        started = time.monotonic()
        second = Consumer("consumer-2", env, workdir)  # no pause: its start-up sweep completes the decree
        _wait_for(lambda: len(_certificates(app, pk)) >= len(award_ids), second, 600,
                  "the second consumer to finish the certificates")
        timings[f"consumer 2 finished {len(award_ids) - killed_at} (s)"] = round(time.monotonic() - started, 1)
    finally:
        for consumer in (first, second):
            if consumer is not None:
                consumer.kill9()

    with app.app_context():
        assert db.session.get(Decree, pk).state == "signed"
        decree_doc = db.session.query(IssuedDocument).filter_by(decree_id=pk, kind="decree").one()
        decree_sha, decree_code = decree_doc.sha256, decree_doc.code
        counts = dict(db.session.query(IssuedDocument.award_id, func.count()).filter(
            IssuedDocument.decree_id == pk, IssuedDocument.kind == "certificate").group_by(IssuedDocument.award_id))
        db.session.rollback()
    assert counts == {award_id: 1 for award_id in award_ids}  # exactly one certificate per award

    assert len(cluster["objects"]("documents/")) >= 1 + len(award_ids)  # decree and certificates in the bucket
    assert _local_files(workdir) == []  # none on a host's disk

    # Host B serves what A and the consumers stored, and says each is valid.
    sekretariat_b = Client(b, "sekretariat")
    started = time.monotonic()
    r = sekretariat_b.get(f"/api/v1/decree/{pk}/pdf")
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("application/pdf"), r.text[:300]
    assert hashlib.sha256(r.content).hexdigest() == decree_sha
    _verified_on(b, r.content, decree_code, cluster["cert"])
    for award_id, sha, code in _certificates(app, pk):
        r = sekretariat_b.get(f"/api/v1/award/{award_id}/certificate")
        assert r.status_code == 200 and r.headers["Content-Type"].startswith("application/pdf"), r.text[:300]
        assert hashlib.sha256(r.content).hexdigest() == sha
        _verified_on(b, r.content, code, cluster["cert"])
    timings["download + verify decree and 6 certificates on B (s)"] = round(time.monotonic() - started, 1)
