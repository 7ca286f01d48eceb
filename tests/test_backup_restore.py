"""Backup → restore round trip (issue 13 item 7, DESIGN §6) on SQLite and on PostgreSQL: the demo competition
(attachments, scored rounds, awards) plus a signed decree and its certificates is backed up with
``kipp backup`` from its own database and storage, restored with ``kipp restore`` into an empty database and an
empty storage, and then every ranking and every document hash is identical and ``/verify`` still says valid for
every signed document. A restore into a target that is not empty is refused, and a damaged archive too.

Each round trip uses databases and storage of its own (the shared test database is not touched)."""
import hashlib
import os
import tarfile
import tempfile
import uuid

import pytest
from sqlalchemy import create_engine, text, update

from tests.conftest import PASSWORD, PG_ADMIN_URL, Api, _tokens
from tests.documents_helpers import signing_pair


def _pg(sql):
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(sql))
    admin.dispose()


def _pg_available():
    try:
        _pg("SELECT 1")
        return True
    except Exception:
        return False


def _databases(kind, root):
    """(source URL, target URL, cleanup) of two fresh databases of ``kind``."""
    if kind == "sqlite":
        return f"sqlite:///{root}/source.db", f"sqlite:///{root}/target.db", lambda: None
    names = [f"sikipp_backup_{uuid.uuid4().hex[:10]}_{side}" for side in ("src", "dst")]
    for name in names:
        _pg(f'CREATE DATABASE "{name}"')

    def cleanup():
        for name in names:
            _pg(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    return f"{base}/{names[0]}", f"{base}/{names[1]}", cleanup


def _make_app(url, storage_dir, instance, storage=None):
    """An app of its own on ``url``; its files in ``storage_dir``, or where ``storage`` (config keys) says."""
    from app import create_app

    key, cert = signing_pair()
    return create_app({**(storage or {}), "TESTING": True, "SQLALCHEMY_DATABASE_URI": url,
                       "SIKIPP_STORAGE_DIR": storage_dir,
                       "SIKIPP_HUEY_FILE": os.path.join(instance, f"huey-{uuid.uuid4().hex[:6]}.db"),
                       "WTF_CSRF_ENABLED": False, "FAB_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
                       "SIKIPP_SIGNING_KEY": key, "SIKIPP_SIGNING_CERT": cert,
                       "SIKIPP_BASE_URL": "https://sikipp.example.test", "SIKIPP_JOBS_MODE": "manual",
                       "SIKIPP_DECREE_ANNEX_SCORES": True})


def _snapshot(application):
    """Rankings of every round (per round and combined) and every stored document's hash, from the database
    and recomputed from the storage."""
    from app.extensions import db
    from app.models import Attachment, IssuedDocument, Round
    from app.services import ranking
    from app.services.storage import get_storage

    with application.app_context():
        rankings = {}
        for rnd in db.session.query(Round).order_by(Round.id):
            rankings[rnd.id] = (ranking.round_ranking(db.session, rnd), ranking.combined_ranking(db.session, rnd))
        store = get_storage()
        docs = {d.stored_name: (d.sha256, d.code, d.state) for d in db.session.query(IssuedDocument)}
        files = {f"documents/{name}": hashlib.sha256(store.read(f"documents/{name}")).hexdigest() for name in docs}
        attachments = {a.stored_name: a.sha256 for a in db.session.query(Attachment)}
        files.update({f"attachments/{name}": hashlib.sha256(store.read(f"attachments/{name}")).hexdigest()
                      for name in attachments})
        db.session.remove()
    return {"rankings": rankings, "documents": docs, "attachments": attachments, "files": files}


def _source(application):
    """Migrated, the demo loaded, a decree signed with its certificates issued."""
    from flask_migrate import upgrade

    from app import sync_security
    from app.cli import demo
    from app.commands import certificates
    from app.extensions import db
    from app.models import Competition, Round
    from app.models.base import utcnow

    with application.app_context():
        upgrade()
        sync_security(application.appbuilder)
        demo.load_demo(db.session, password=PASSWORD)
        comp = db.session.query(Competition).order_by(Competition.id).first().id
        # judging is over (setup): a decree is drafted once every round is closed (DESIGN §3)
        db.session.execute(update(Round).where(Round.competition_id == comp).values(closed_at=utcnow()))
        db.session.commit()
        db.session.remove()
    runner = application.test_cli_runner()
    for username, role in (("sekretariat", "Sekretariat"), ("penandatangan", "Penandatangan")):
        done = runner.invoke(args=["kipp", "add-user", "--username", username, "--password", PASSWORD,
                                   "--role", role])
        assert done.exit_code == 0 or "sudah digunakan" in done.output, done.output  # the demo's own account
    client = application.test_client()
    _tokens.clear()
    r = Api(client, "sekretariat").post("/api/v1/decree/", json={"competition_id": comp})
    assert r.status_code == 201, r.get_json()
    pk = r.get_json()["id"]
    assert Api(client, "hukum").post(f"/api/v1/decree/{pk}/transitions/paraf", json={}).status_code == 200
    assert Api(client, "penandatangan").post(f"/api/v1/decree/{pk}/transitions/sign", json={}).status_code == 200
    _tokens.clear()
    with application.app_context():
        assert certificates.issue_missing(db.session, pk, application.config)["done"]
        db.session.remove()
    return pk


@pytest.mark.parametrize("backend", ["local", "s3"])
@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_backup_restore_round_trip(kind, backend, request, capsys):
    """On the local directory and on the real S3 server (SeaweedFS): a decree signed and its certificates
    stored in the object store, backed up from it, restored into another prefix, verified there."""
    if kind == "postgresql" and not _pg_available():
        pytest.fail("PostgreSQL at 127.0.0.1:5432 is not reachable")  # a real component: never skipped
    root = tempfile.mkdtemp(prefix=f"sikipp-backup-{kind}-")
    stores = {"src": None, "dst": None}
    if backend == "s3":
        server, bucket = request.getfixturevalue("s3_server"), request.getfixturevalue("s3_bucket")
        run = uuid.uuid4().hex[:8]
        stores = {side: server.config(bucket, f"backup-{run}-{side}") for side in stores}
    source_url, target_url, cleanup = _databases(kind, root)
    try:
        source = _make_app(source_url, os.path.join(root, "storage-src"), root, stores["src"])
        decree = _source(source)
        before = _snapshot(source)
        assert len(before["documents"]) > 1 and before["attachments"] and any(r for r, _c in
                                                                             before["rankings"].values())
        archive = os.path.join(root, "sikipp.tar.gz")
        done = source.test_cli_runner().invoke(args=["kipp", "backup", archive])
        assert done.exit_code == 0, done.output
        with tarfile.open(archive) as tar:
            names = set(tar.getnames())
        assert "manifest.json" in names and f"files/documents/decree-{decree}.pdf" in names

        target = _make_app(target_url, os.path.join(root, "storage-dst"), root, stores["dst"])
        if backend == "s3":  # the files really are in the object store, not on this host's disk
            from app.services.storage import S3Storage, get_storage

            for application in (source, target):
                assert isinstance(get_storage(application), S3Storage)
            assert not os.path.exists(os.path.join(root, "storage-src", "documents"))
            keys = {o.key for o in get_storage(source).list("documents/")}
            assert f"documents/decree-{decree}.pdf" in keys and len(keys) == len(before["documents"])
        done_restore = target.test_cli_runner().invoke(args=["kipp", "restore", archive])
        assert done_restore.exit_code == 0, done_restore.output
        after = _snapshot(target)
        assert after == before  # every ranking, every document and attachment hash, every file's bytes
        client = target.test_client()
        for _name, (sha, code, state) in before["documents"].items():
            body = client.get(f"/verify/{code}", headers={"Accept": "application/json"}).get_json()
            assert body["valid"] is (state == "valid") and body["sha256"] == sha, body

        again = target.test_cli_runner().invoke(args=["kipp", "restore", archive])  # not empty any more
        assert again.exit_code != 0 and "must be empty" in again.output and "database is not empty" in again.output
        ranked = sum(len(r) + len(c) for r, c in before["rankings"].values())
        with capsys.disabled():
            print(f"\n[measure] {kind}/{backend}: {done.output.strip()} | {done_restore.output.strip()} | identical "
                  f"after restore: {len(before['rankings'])} rounds' rankings ({ranked} ranked rows), "
                  f"{len(before['documents'])} document and {len(before['attachments'])} attachment hashes, "
                  f"{len(before['files'])} files' bytes; /verify checked for {len(before['documents'])} documents")
        for application in (source, target):
            with application.app_context():
                from app.extensions import db

                db.session.remove()
                db.engine.dispose()
    finally:
        cleanup()


def test_restore_refuses_a_non_empty_storage_and_a_damaged_archive(app, tmp_path):
    from app.services import backup
    from app.services.storage import LocalStorage

    store = LocalStorage(str(tmp_path / "store"))
    store.put("attachments/x.pdf", b"%PDF-1.4 x")
    engine = create_engine(f"sqlite:///{tmp_path}/empty.db")
    assert backup.target_problems(engine, store) == ["the storage is not empty (e.g. attachments/x.pdf)"]
    bogus = tmp_path / "bogus.tar.gz"
    bogus.write_bytes(b"not an archive")
    with pytest.raises(backup.BackupError, match="not a readable backup"):
        backup.restore_backup(str(bogus), engine, LocalStorage(str(tmp_path / "empty-store")))
    engine.dispose()
