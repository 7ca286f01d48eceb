"""Storage benchmark (issue 14): an upload + download request pair of a 5 MB PDF attachment through the app,
end to end over HTTP, on the S3 backend (a real SeaweedFS server on loopback) against the local directory.

Two gunicorn servers (``run:app``, 1 sync worker each, the same code) on one SQLite file each: one with
``SIKIPP_STORAGE_DIR`` (local), one with ``SIKIPP_STORAGE_URL=s3://…`` + ``AWS_*`` (S3). The client (this
process, ``requests`` with keep-alive) logs in once per server through the API, then times N pairs per server,
alternating between them so that machine noise hits both alike:

1. ``POST /api/v1/innovation/<id>/attachments`` (multipart, 5 MB: parsed and checked as a PDF, hashed, stored);
2. ``GET /api/v1/innovation/<id>/attachments/<att>`` (streamed from the store), the body read to the end and
   compared with what was sent.

Prints p50/p95 of the pair per backend and the ratio S3/local (target ≤ 1.5×); exits 1 when the p50 ratio is
above the target. Usage::

    python bench/bench_storage.py [--pairs 30] [--mb 5]
"""
import argparse
import io
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

TARGET = 1.5
PASSWORD = "Rahasia#2026kuat"


def make_pdf(size):
    """A valid one-page PDF of about ``size`` bytes (a content stream of PDF comments: incompressible, inert)."""
    from pypdf import PdfWriter
    from pypdf.generic import DecodedStreamObject, NameObject

    writer = PdfWriter()
    page = writer.add_blank_page(width=595, height=842)
    body = bytearray()
    while len(body) < size - 2000:
        body += b"% " + secrets.token_hex(60).encode() + b"\n"
    stream = DecodedStreamObject()
    stream.set_data(bytes(body))
    page[NameObject("/Contents")] = writer._add_object(stream)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def seed(database_url, storage_config, tmp):
    """Schema (Alembic), an OPD unit and user, a Sekretariat user, a competition (10 MB cap) and a draft."""
    from flask_migrate import upgrade

    from app import create_app, sync_security
    from app.commands import users as user_commands
    from app.extensions import db
    from app.models import Unit

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url,
                      "SIKIPP_STORAGE_DIR": os.path.join(tmp, "storage"), "FAB_PASSWORD_HASH_METHOD":
                      "pbkdf2:sha256:1000", "SIKIPP_HUEY_FILE": os.path.join(tmp, "huey.db"), **storage_config})
    with app.app_context():
        upgrade()
        sync_security(app.appbuilder)
        db.session.add(Unit(code="B-OPD", name="Dinas Bench", kind="opd"))
        db.session.commit()
        user_commands.add_user(db.session, username="opd", password=PASSWORD, role="OPD", unit_code="B-OPD",
                               name="Opd", email="opd@example.test")
        user_commands.add_user(db.session, username="sek", password=PASSWORD, role="Sekretariat", unit_code=None,
                               name="Sek", email="sek@example.test")
        db.session.remove()
        db.engine.dispose()


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Server:
    def __init__(self, name, tmp, storage_env):
        import requests

        self.name = name
        self.tmp = os.path.join(tmp, name)
        os.makedirs(self.tmp)
        self.db_url = f"sqlite:///{self.tmp}/bench.db"
        config = {"SIKIPP_STORAGE_URL": storage_env.get("SIKIPP_STORAGE_URL", ""),
                  **{k: v for k, v in storage_env.items() if k.startswith("AWS_")}}
        seed(self.db_url, config, self.tmp)
        self.port = free_port()
        empty_conf = os.path.join(self.tmp, "gunicorn-empty.conf.py")  # not the project's gunicorn.conf.py
        open(empty_conf, "w").close()
        env = {**os.environ, "DATABASE_URL": self.db_url, "SECRET_KEY": secrets.token_hex(32),
               "SIKIPP_STORAGE_DIR": os.path.join(self.tmp, "storage"), "SIKIPP_INSTANCE_DIR": self.tmp,
               "SIKIPP_HUEY_FILE": os.path.join(self.tmp, "huey.db"), "SIKIPP_LOG_LEVEL": "WARNING",
               "SIKIPP_JOBS_MODE": "manual", **storage_env}
        env.pop("REDIS_URL", None)
        self.log = open(os.path.join(self.tmp, "gunicorn.log"), "wb")
        self.process = subprocess.Popen(
            [os.path.join(os.path.dirname(sys.executable), "gunicorn"), "-c", empty_conf, "-w", "1",
             "-b", f"127.0.0.1:{self.port}", "--timeout", "120", "run:app"],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        self.base = f"http://127.0.0.1:{self.port}"
        self.http = requests.Session()
        deadline = time.monotonic() + 60
        while True:
            try:
                if self.http.get(f"{self.base}/healthz", timeout=30).status_code in (200, 503):
                    break
            except (requests.ConnectionError, requests.Timeout):
                pass
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise SystemExit(f"{name}: gunicorn did not start (see {self.tmp}/gunicorn.log)")
            time.sleep(0.2)
        self.tokens = {}
        for user in ("opd", "sek"):
            r = self.http.post(f"{self.base}/api/v1/security/login",
                               json={"username": user, "password": PASSWORD, "provider": "db"})
            r.raise_for_status()
            self.tokens[user] = {"Authorization": f"Bearer {r.json()['access_token']}"}
        r = self.http.post(f"{self.base}/api/v1/competition/", headers=self.tokens["sek"], json={
            "name": "Bench", "year": 2026, "submission_deadline": "2030-01-01T00:00:00+00:00",
            "max_attachment_mb": 10})
        assert r.status_code == 201, r.text
        r = self.http.post(f"{self.base}/api/v1/innovation/", headers=self.tokens["opd"],
                           json={"competition_id": r.json()["id"], "title": "Inovasi Bench"})
        assert r.status_code == 201, r.text
        self.innovation = r.json()["id"]
        self.times = []

    def pair(self, pdf):
        url = f"{self.base}/api/v1/innovation/{self.innovation}/attachments"
        started = time.perf_counter()
        r = self.http.post(url, headers=self.tokens["opd"], files={"file": ("bench.pdf", pdf, "application/pdf")})
        if r.status_code != 201:
            raise SystemExit(f"{self.name}: upload answered {r.status_code}: {r.text[:300]}")
        att = r.json()["id"]
        r = self.http.get(f"{url}/{att}", headers=self.tokens["opd"], stream=True)
        got = b"".join(r.iter_content(256 * 1024))
        elapsed = time.perf_counter() - started
        if r.status_code != 200 or got != pdf:
            raise SystemExit(f"{self.name}: download answered {r.status_code} with {len(got)} bytes")
        self.http.delete(f"{url}/{att}", headers=self.tokens["opd"])  # untimed: keep the draft's list short
        return elapsed

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=30)
        self.log.close()


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, max(0, round(q / 100 * len(values) + 0.5) - 1))]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pairs", type=int, default=30)
    parser.add_argument("--mb", type=float, default=5)
    parser.add_argument("--warmup", type=int, default=3)
    args = parser.parse_args()

    from tests.s3_helpers import start_seaweedfs

    tmp = tempfile.mkdtemp(prefix="sikipp-bench-storage-")
    pdf = make_pdf(int(args.mb * 1024 * 1024))
    started = time.monotonic()
    seaweed = start_seaweedfs()
    seaweed_seconds = time.monotonic() - started
    servers = []
    try:
        bucket = seaweed.make_bucket()
        servers = [Server("local", tmp, {}), Server("s3", tmp, seaweed.env(bucket, "bench"))]
        for _ in range(args.warmup):
            for server in servers:
                server.pair(pdf)
        for _ in range(args.pairs):
            for server in servers:
                server.times.append(server.pair(pdf))
    finally:
        for server in servers:
            server.stop()
        seaweed.stop()
    print(f"upload + download of a {len(pdf) / 1024 / 1024:.2f} MB PDF, {args.pairs} pairs per backend "
          f"(SeaweedFS started in {seaweed_seconds:.1f} s)")
    print(f"{'backend':8} {'p50 ms':>8} {'p95 ms':>8} {'mean ms':>8}")
    for server in servers:
        t = [x * 1000 for x in server.times]
        print(f"{server.name:8} {statistics.median(t):8.1f} {pct(t, 95):8.1f} {statistics.fmean(t):8.1f}")
    local, s3 = ([x * 1000 for x in s.times] for s in servers)
    ratio50 = statistics.median(s3) / statistics.median(local)
    ratio95 = pct(s3, 95) / pct(local, 95)
    print(f"ratio s3/local: p50 {ratio50:.2f}x, p95 {ratio95:.2f}x (target <= {TARGET}x)")
    return 0 if ratio50 <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
