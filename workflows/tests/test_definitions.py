"""Definitions as data: YAML and JSON documents naming registered guards, effects and hooks."""
import json

import pytest
from sqlalchemy import text

from workflows import WorkflowConflict
from workflows.definitions import DefinitionError, Registry, load_definition, problems


def shape(wf):
    return (wf.name, wf.states, wf.initial, wf.view_menu, wf.final_states, dict(wf.state_labels), dict(wf.state_styles),
            {s: tuple(h) for s, h in wf.on_enter.items()},
            [(t.trigger, t.sources, t.dest, t.roles, t.guards, t.effects, t.comment_required, t.owner_only, t.label)
             for t in wf.transitions.values()])


def test_the_example_from_yaml_equals_the_python_definition(example):
    yaml_wf = example.load_yaml_workflow()
    assert shape(yaml_wf) == shape(example.expense_workflow)
    assert yaml_wf.source == "expense.yaml" and "trigger: approve" in yaml_wf.source_text


def test_json_documents_load_too(example):
    doc = json.dumps(example.load_yaml_workflow().document)
    assert shape(load_definition(doc, example.registry())) == shape(example.expense_workflow)


def test_the_yaml_definition_behaves_like_the_python_one(app, db, example):
    """Fires on the example's rows with each definition: same states, same refusals with the same reason."""
    from flask import current_app

    sm = current_app.appbuilder.sm
    alice, bob = sm.find_user(username="alice"), sm.find_user(username="bob")
    outcomes = {}
    for label, wf in (("python", example.expense_workflow), ("yaml", example.load_yaml_workflow())):
        from workflows.fab import FabAuthorizer

        wf.bind(example.Expense, authorizer=FabAuthorizer())
        seen = []
        for amount in (50, 5000, 0):
            e = example.Expense(title="t", amount=amount, owner_id=alice.id)
            db.session.add(e)
            db.session.commit()
            for user, trigger in ((bob, "submit"), (alice, "submit"), (bob, "approve"), (bob, "reject")):
                try:
                    seen.append((trigger, wf.fire(db.session, e.id, trigger, user, comment="c").state))
                except Exception as err:  # noqa: BLE001 - the refusal is the outcome compared
                    seen.append((trigger, type(err).__name__, getattr(err, "message", "")))
            approvals = db.session.execute(text("SELECT approvals FROM expense WHERE id = :id"), {"id": e.id}).scalar()
            seen.append(("approvals", approvals))
        outcomes[label] = seen
    assert outcomes["python"] == outcomes["yaml"]
    assert ("approve", "WorkflowConflict", f"Above the approval limit of {example.APPROVAL_LIMIT}: ask the director.") \
        in outcomes["yaml"]
    assert outcomes["yaml"].count(("approvals", 1)) == 1  # the on_enter hook named in YAML ran once
    assert WorkflowConflict  # the refusal type compared above


REGISTRY = Registry(guards={"ok": lambda ctx: None}, effects={"log": lambda ctx: None})
GOOD = {"name": "t", "initial": "a", "states": [{"name": "a"}, {"name": "b", "final": True}],
        "transitions": [{"trigger": "go", "from": "a", "to": "b", "roles": ["R"], "guards": ["ok"], "effects": ["log"]}]}


def edited(**changes):
    doc = json.loads(json.dumps(GOOD))
    for path, value in changes.items():
        target = doc
        *parents, last = path.split("__")
        for p in parents:
            target = target[int(p)] if p.isdigit() else target[p]
        target[int(last) if last.isdigit() else last] = value
    return doc


@pytest.mark.parametrize("doc, reason", [
    (edited(states=[{"name": "a"}, {"name": "b", "final": True}, {"name": "c", "final": True}]),
     "state 'c' is unreachable from 'a'"),
    (edited(states__1={"name": "b"}), "state 'b' is a dead end (no transition leaves it) but is not declared final"),
    (edited(transitions__0__roles=[]), "transition 'go': no role may fire it (roles is empty)"),
    (edited(transitions__0__guards=["nope"]), "transition 'go': unknown guard 'nope' (registered: ok)"),
    (edited(transitions__0__effects=["mail"]), "transition 'go': unknown effect 'mail' (registered: log)"),
    (edited(transitions__0__to="z"), "transition 'go': unknown state 'z'"),
    (edited(initial="x"), "initial state 'x' is not a state"),
    (edited(transitions__0__owner_only=True), "transition 'go': owner_only needs the document's 'owner' rule"),
    (edited(colour="red"), "unknown key 'colour'"),
    ("name: t\ninitial: [a", "not valid YAML"),
    ('{"name": "t", ', "not valid JSON"),
    ([1, 2], "the document must be a mapping"),
])
def test_malformed_documents_are_refused_with_the_reason(doc, reason):
    with pytest.raises(DefinitionError) as err:
        load_definition(doc, REGISTRY)
    assert any(reason in p for p in err.value.problems), err.value.problems
    assert reason in str(err.value)


def test_every_problem_is_reported_at_once():
    found = problems(edited(transitions__0__roles=[], transitions__0__guards=["nope"]), REGISTRY)
    assert len(found) == 2
    assert problems(GOOD, REGISTRY) == []
    assert load_definition(GOOD, REGISTRY).final_states == ("b",)


def test_registry_decorators_and_translated_labels():
    registry = Registry(translate=lambda text: text.upper())

    @registry.guard
    def ready(ctx):
        return None

    @registry.effect(name="ping")
    def send(ctx):
        return None

    doc = edited(transitions__0__guards=["ready"], transitions__0__effects=["ping"], transitions__0__label="Go on",
                 states__0={"name": "a", "label": "Start"})
    wf = load_definition(doc, registry)
    assert wf.transitions["go"].guards == (ready,) and wf.transitions["go"].effects == (send,)
    assert wf.label("a") == "START" and wf.trigger_label("go") == "GO ON"
