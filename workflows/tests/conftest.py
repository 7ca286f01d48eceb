"""The plugin's own suite: runs on the plugin, Flask-AppBuilder and pytest alone (no SIKIPP).

The example app (examples/approval/example.py) is loaded from its file under its own module name, on a
temporary SQLite database; users alice and carol (Employee) and bob (Manager) exist with password "secret".
"""
import importlib.util
import os
import pathlib
import sys

import pytest

HERE = pathlib.Path(__file__).resolve().parent
PLUGIN = HERE.parent
EXAMPLE = PLUGIN / "examples" / "approval" / "example.py"
PASSWORD = "secret"


def load_example():
    if "fab_workflows_example" not in sys.modules:
        spec = importlib.util.spec_from_file_location("fab_workflows_example", EXAMPLE)
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        spec.loader.exec_module(module)
    return sys.modules["fab_workflows_example"]


@pytest.fixture(scope="session")
def example():
    return load_example()


@pytest.fixture(scope="session")
def app(example, tmp_path_factory):
    path = tmp_path_factory.mktemp("example") / "example.db"
    return example.create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "TESTING": True,
                               "WTF_CSRF_ENABLED": False})


@pytest.fixture
def db(app):
    database = app.extensions["example_db"]
    with app.app_context():
        yield database
        database.session.rollback()


@pytest.fixture
def client(app):
    return app.test_client()


class Api:
    """A bearer-token client of one user."""

    def __init__(self, client, username):
        r = client.post("/api/v1/security/login",
                        json={"username": username, "password": PASSWORD, "provider": "db"})
        assert r.status_code == 200, r.data
        self.client = client
        self.headers = {"Authorization": f"Bearer {r.get_json()['access_token']}"}

    def get(self, url):
        return self.client.get(url, headers=self.headers)

    def post(self, url, json=None):
        return self.client.post(url, json=json if json is not None else {}, headers=self.headers)


@pytest.fixture
def api(client):
    return lambda username: Api(client, username)


def pytest_report_header(config):
    import workflows

    where = os.path.dirname(workflows.__file__)
    return [f"fab-workflows {workflows.__version__} from {where}"]
