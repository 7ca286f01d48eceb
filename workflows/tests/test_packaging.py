"""The distribution: version, public API, independence from any application, shipped files."""
import ast
import importlib
import os
import pathlib
import re

import workflows

PLUGIN = pathlib.Path(__file__).resolve().parent.parent
MODULES = ["engine", "fab", "models", "outbox", "diagrams", "definitions"]


def test_version_matches_the_distribution():
    text = (PLUGIN / "pyproject.toml").read_text()
    assert re.search(r'^version = "([^"]+)"', text, re.M).group(1) == workflows.__version__ == "0.1.0"
    assert f"## {workflows.__version__}" in (PLUGIN / "CHANGELOG.md").read_text()
    dependencies = re.search(r"dependencies = \[(.*?)\]", text, re.S).group(1)
    assert sorted(re.findall(r'"([a-z-]+)', dependencies)) == ["flask-appbuilder", "transitions"]


def test_public_api_is_declared_and_importable():
    for name in workflows.__all__:
        assert getattr(workflows, name) is not None
    for module in MODULES:
        mod = importlib.import_module(f"workflows.{module}")
        assert mod.__all__, module
        for name in mod.__all__:
            assert hasattr(mod, name), (module, name)


def test_the_plugin_imports_no_application():
    """Only the standard library, its dependencies and itself (the example and tests aside)."""
    allowed = {"workflows", "flask", "flask_appbuilder", "flask_babel", "sqlalchemy", "transitions", "jsonschema",
               "markupsafe", "werkzeug", "yaml", "graphviz"}
    import sys

    for path in PLUGIN.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module]
            for name in names:
                top = name.split(".")[0]
                assert top in allowed or top in sys.stdlib_module_names or top == "__future__", (path.name, name)


def test_shipped_files_exist():
    pkg = pathlib.Path(workflows.__file__).parent
    assert (pkg / "templates" / "workflows" / "show.html").is_file()
    assert (pkg / "static" / "workflows" / "workflows.js").is_file()
    assert (pkg / "py.typed").is_file()
    if os.environ.get("WORKFLOWS_EXPECT_INSTALLED"):  # CI: the suite runs on the installed distribution
        assert "site-packages" in str(pkg), pkg
        assert not (pkg / "tests").exists() and not (pkg / "examples").exists()
