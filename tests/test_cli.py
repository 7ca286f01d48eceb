"""`flask --app run.py kipp add-user` and the `run.py` entry point."""
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from tests.conftest import PASSWORD

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STRONG = "Kuat#Sandi2026"


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def cleanup_users(app):
    """Delete the users a test created (the autouse cleanup keeps users)."""
    names = []
    yield names
    from app.extensions import db
    from app.models import User

    with app.app_context():
        db.session.rollback()
        for user in db.session.query(User).filter(User.username.in_(names)):
            db.session.delete(user)
        db.session.commit()


def add_user(runner, *args):
    return runner.invoke(args=["kipp", "add-user", *args])


def test_add_user_success(app, runner, cleanup_users):
    from app.extensions import db
    from app.models import User

    cleanup_users.append("cli_opd")
    result = add_user(runner, "--username", "cli_opd", "--password", STRONG, "--role", "OPD", "--unit", "T-OPD-A",
                      "--name", "Operator Uji", "--email", "cli_opd@example.test")
    assert result.exit_code == 0, result.output
    assert "cli_opd" in result.output
    with app.app_context():
        user = db.session.query(User).filter_by(username="cli_opd").one()
        assert [r.name for r in user.roles] == ["OPD"]
        assert user.unit.code == "T-OPD-A"
        assert user.email == "cli_opd@example.test"
        assert user.first_name == "Operator" and user.active
        assert user.password != STRONG  # hashed


def test_add_user_without_unit_for_other_roles(app, runner, cleanup_users):
    cleanup_users.append("cli_juri")
    result = add_user(runner, "--username", "cli_juri", "--password", STRONG, "--role", "Juri")
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("args, needles", [
    (["--username", "x_role", "--password", STRONG, "--role", "Bogus"], ["Bogus", "Sekretariat"]),
    (["--username", "x_nounit", "--password", STRONG, "--role", "OPD"], ["OPD", "--unit"]),
    (["--username", "x_unit", "--password", STRONG, "--role", "OPD", "--unit", "T-NOPE"], ["T-NOPE"]),
    (["--username", "opd_a", "--password", STRONG, "--role", "OPD", "--unit", "T-OPD-A"], ["opd_a"]),
    (["--username", "x_admin_unit", "--password", STRONG, "--role", "Admin", "--unit", "T-OPD-A"], ["Admin"]),
], ids=["unknown-role", "opd-without-unit", "unknown-unit", "duplicate-username", "unit-for-admin"])
def test_add_user_errors(app, runner, args, needles):
    from app.extensions import db
    from app.models import User

    with app.app_context():
        before = db.session.query(User).count()
    result = add_user(runner, *args)
    assert result.exit_code != 0
    assert "Error:" in result.output
    assert "Traceback" not in result.output
    for needle in needles:
        assert needle in result.output, result.output
    with app.app_context():
        assert db.session.query(User).count() == before


@pytest.mark.parametrize("weak", ["short#A1", "alllowercase#2026", "NoDigitsHere#", "NoSymbol2026abc"])
def test_add_user_weak_password(app, runner, weak):
    from app.extensions import db
    from app.models import User

    result = add_user(runner, "--username", "x_weak", "--password", weak, "--role", "Juri")
    assert result.exit_code != 0
    assert "Error:" in result.output
    # English message or its Indonesian translation, without echoing the password back
    assert any(word in result.output.lower() for word in ("password", "sandi")), result.output
    assert weak not in result.output
    with app.app_context():
        assert db.session.query(User).filter_by(username="x_weak").first() is None


def test_add_user_missing_option(runner):
    result = add_user(runner, "--username", "x_missing", "--role", "Juri")
    assert result.exit_code != 0
    assert "--password" in result.output


def test_fixture_password_is_strong():
    from app.services.users import password_problem

    assert password_problem(PASSWORD) is None


# -- run.py -----------------------------------------------------------------------------------------------


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _clean_env(tmp_path, **extra):
    env = {k: v for k, v in os.environ.items()
           if k not in ("SECRET_KEY", "DATABASE_URL", "SIKIPP_DEV", "SIKIPP_STORAGE_DIR", "FLASK_RUN_FROM_CLI",
                        "FLASK_DEBUG", "FLASK_APP", "PORT", "PYTEST_XDIST_WORKER", "SIKIPP_TEST_DATABASE")}
    env["SIKIPP_INSTANCE_DIR"] = str(tmp_path / "instance")
    env.update(extra)
    return env


def test_run_py_serves_login_after_migrating_an_empty_database(tmp_path):
    port = _free_port()
    log_path = tmp_path / "server.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen([sys.executable, "run.py", "--port", str(port)], cwd=ROOT, env=_clean_env(tmp_path),
                                stdout=log, stderr=subprocess.STDOUT)
    try:
        status, deadline = None, time.monotonic() + 90  # generous: a loaded 2-core CI box took 36 s; this proves "it starts", not speed
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=2) as response:
                    status = response.status
                    body = response.read().decode("utf-8", "replace")
                break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.3)
        output = log_path.read_text(errors="replace")
        assert status == 200, output
        assert "password" in body.lower() or "sandi" in body.lower()
        assert "not for production" in output.lower()
        assert (tmp_path / "instance" / "sikipp.db").exists()
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_importing_run_without_secret_key_is_refused(tmp_path):
    """gunicorn run:app without SECRET_KEY must not start with the development key."""
    result = subprocess.run([sys.executable, "-c", "import run"], cwd=ROOT, env=_clean_env(tmp_path),
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_importing_run_with_secret_key_exposes_app(tmp_path):
    result = subprocess.run([sys.executable, "-c", "import run; print(type(run.app).__name__)"], cwd=ROOT,
                            env=_clean_env(tmp_path, SECRET_KEY="a-real-secret-for-this-test-only"),
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("Flask")


def test_flask_cli_works_without_secret_key(tmp_path):
    result = subprocess.run([sys.executable, "-m", "flask", "--app", "run.py", "kipp", "--help"], cwd=ROOT,
                            env=_clean_env(tmp_path), capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    for command in ("add-user", "demo", "synth", "init"):
        assert command in result.stdout
