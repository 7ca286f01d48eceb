"""Lifecycle diagrams (issue 15): labels in the user's language, the record's state highlighted on its page, the
Mermaid export (CLI) and docs/workflows.md generated from it; may_<trigger> agrees with available()."""
import pathlib
import re

import pytest

from tests.test_innovation_lifecycle import ROLE_USERS, STATES, seed_innovation
from tests.test_screens import login

ROOT = pathlib.Path(__file__).resolve().parent.parent


def test_the_record_page_shows_the_diagram_with_its_state_in_indonesian(app, client):
    with app.app_context():
        pk = seed_innovation("submitted")
    login(client, "sekretariat")
    html = client.get(f"/innovationview/show/{pk}").get_data(as_text=True)
    svg = html[html.index('<div class="panel panel-default wf-diagram">'):]
    svg = svg[:svg.index("</svg>")]
    assert '<g id="wf_state_submitted" class="node wf_current">' in svg
    assert svg.count("wf_current") == 1
    assert ">Diajukan<" in svg and ">Verifikasi<" in svg and ">Submitted<" not in svg  # Indonesian labels
    assert "onclick" not in html and "fab_workflows/workflows/workflows.js" in html


def test_the_english_page_has_english_labels(app, client):
    with app.app_context():
        pk = seed_innovation("verified")
    login(client, "sekretariat")
    client.get("/lang/en")
    html = client.get(f"/innovationview/show/{pk}").get_data(as_text=True)
    assert '<g id="wf_state_verified" class="node wf_current">' in html
    assert ">Verified<" in html and ">Mark as scored<" in html


def test_mermaid_export_cli_and_generated_docs(app):
    runner = app.test_cli_runner()
    docs = (ROOT / "docs" / "workflows.md").read_text()
    for name in ("innovation", "decree", "objection"):
        result = runner.invoke(args=["kipp", "workflow-mermaid", name, "--locale", "en"])
        assert result.exit_code == 0, result.output
        assert result.output.startswith("stateDiagram-v2\n")
        assert f"```mermaid\n{result.output}```" in docs, f"docs/workflows.md is stale: run ./scripts/workflow-docs ({name})"
    result = runner.invoke(args=["kipp", "workflow-mermaid", "innovation", "--current", "scored"])
    assert "    state \"Dinilai\" as scored" in result.output and result.output.endswith("class scored current\n")
    bad = runner.invoke(args=["kipp", "workflow-mermaid", "nope"])
    assert bad.exit_code != 0 and "Unknown workflow" in bad.output


def test_diagram_page_lists_states_by_label(app, client):
    login(client, "admin")
    html = client.get("/workflows/").get_data(as_text=True)
    assert re.search(r"<td>Diajukan</td>", html) or "Diajukan, Terverifikasi" in html


@pytest.mark.parametrize("state", STATES)
def test_may_trigger_agrees_with_available(app, state):
    """For every role user and trigger: the row's may_<trigger>() on the shared machine = available()'s allowed."""
    from app.extensions import db
    from app.lifecycles import innovation_workflow as wf
    from app.models import Innovation, User

    with app.app_context(), app.test_request_context():
        pk = seed_innovation(state)
        obj = db.session.get(Innovation, pk)
        for username in ROLE_USERS.values():
            user = db.session.query(User).filter_by(username=username).one()
            allowed = {a["trigger"]: a["allowed"] for a in wf.available(db.session, obj, user)}
            with wf.attach(obj, session=db.session, user=user):
                for trigger in wf.transitions:
                    may = getattr(obj, f"may_{trigger}", None)
                    answer = may() if may is not None else wf.machine._can_trigger(obj, trigger)
                    assert answer is allowed.get(trigger, False), (state, username, trigger)
            assert wf.machine.models == []
