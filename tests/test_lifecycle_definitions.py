"""SIKIPP's lifecycles as data (issue 15 item 3): the YAML documents the app runs equal the Python definitions,
malformed documents are refused with their reasons, and the Admin reads them (with their diagram) on /workflows/.
The lifecycle matrix of tests/test_innovation_lifecycle.py runs on both definitions."""
import pytest

from app.lifecycles import ALL_WORKFLOWS, PYTHON_WORKFLOWS, REGISTRY
from tests.test_screens import login
from workflows.definitions import DefinitionError, load_definition


def shape(wf):
    return {
        "name": wf.name, "states": wf.states, "initial": wf.initial, "view_menu": wf.view_menu,
        "finals": wf.final_states, "labels": {s: str(wf.label(s)) for s in wf.states},
        "styles": dict(wf.state_styles), "owner": wf.is_owner if any(t.owner_only for t in wf.transitions.values())
        else None,
        "transitions": {t.trigger: (t.sources, t.dest, t.roles, t.guards, t.data_guards, t.effects, t.comment_required,
                                    t.data_schema, t.owner_only, str(t.label)) for t in wf.transitions.values()},
        "hooks": (wf.on_enter, wf.on_exit),
    }


@pytest.mark.parametrize("pair", zip(ALL_WORKFLOWS, PYTHON_WORKFLOWS), ids=lambda p: p[0].name)
def test_the_yaml_lifecycle_equals_the_python_one(app, pair):
    yaml_wf, python_wf = pair
    assert yaml_wf is not python_wf and yaml_wf.source.endswith(".yaml")
    with app.test_request_context():
        assert shape(yaml_wf) == shape(python_wf)
        assert list(yaml_wf.transitions) == list(python_wf.transitions)
        assert yaml_wf.permissions() == python_wf.permissions()


BASE = """
name: probe
initial: draft
states:
  - {name: draft}
  - {name: submitted}
  - {name: done, final: true}
transitions:
  - {trigger: submit, from: draft, to: submitted, roles: [OPD], guards: [complete_for_submission]}
  - {trigger: finish, from: submitted, to: done, roles: [Sekretariat], effects: [create_award]}
"""


def test_a_valid_probe_document_loads():
    wf = load_definition(BASE, REGISTRY)
    assert wf.states == ("draft", "submitted", "done") and wf.transitions["finish"].effects[0].__name__ == "create_award"


@pytest.mark.parametrize("edit, reason", [
    (lambda d: d.replace("  - {name: done, final: true}", "  - {name: done, final: true}\n  - {name: lost}"),
     "state 'lost' is unreachable from 'draft'"),
    (lambda d: d.replace("{name: done, final: true}", "{name: done}"),
     "state 'done' is a dead end (no transition leaves it) but is not declared final"),
    (lambda d: d.replace("roles: [Sekretariat]", "roles: []"), "transition 'finish': no role may fire it"),
    (lambda d: d.replace("guards: [complete_for_submission]", "guards: [complete_for_submision]"),
     "transition 'submit': unknown guard 'complete_for_submision'"),
    (lambda d: d.replace("effects: [create_award]", "effects: [send_fax]"), "transition 'finish': unknown effect 'send_fax'"),
    (lambda d: d.replace("to: done", "to: closed"), "transition 'finish': unknown state 'closed'"),
    (lambda d: d.replace("roles: [OPD]", "roles: [OPD], rolse: [Juri]"), "transition 'submit': unknown key 'rolse'"),
    (lambda d: d + "  - {trigger: submit, from: draft, to: done, roles: [OPD]}\n", "transition 'submit' is defined twice"),
    (lambda d: d.replace("initial: draft", "initial: [draft"), "not valid YAML"),
])
def test_malformed_documents_are_refused_with_the_reason(edit, reason):
    with pytest.raises(DefinitionError) as err:
        load_definition(edit(BASE), REGISTRY)
    assert any(reason in p for p in err.value.problems), err.value.problems
    assert reason in str(err.value)


def test_the_admin_reads_the_documents_and_their_diagrams(app, client):
    login(client, "admin")
    html = client.get("/workflows/").get_data(as_text=True)
    for wf in ALL_WORKFLOWS:
        assert f"{wf.source}" in html
        assert f'src="/workflows/{wf.name}.svg"' in html
    assert "trigger: submit" in html and "guards: [complete_for_submission, before_deadline, eligible_by_past_awards]" in html
    assert "<form" not in html.split("wf-definition", 1)[1]  # read-only: nothing to submit
    assert client.get("/workflows/innovation.svg").mimetype == "image/svg+xml"
