"""``transitions`` drives the fire: conditions with reasons, prepare/before/after, on_enter/on_exit hooks, the
state change as the claim, reflexive triggers, the shared machine (rows join it only while attached)."""
import threading
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select, text

from workflows import Transition, Workflow, WorkflowConflict, WorkflowForbidden
from workflows.models import WorkflowHistory


def user(*roles, uid=None):
    return SimpleNamespace(id=uid, username="probe", roles=[SimpleNamespace(name=r) for r in roles])


def probe_workflow(calls, *, blocker=None, fail_on_enter=False):
    """submitted --approve--> approved, with every kind of callback recording (name, state, version)."""

    def rec(name):
        def hook(ctx):
            calls.append((name, ctx.obj.state, ctx.obj.version))
        return hook

    def guard(ctx):
        calls.append(("condition", ctx.obj.state, ctx.obj.version))
        return blocker

    def enter_approved(ctx):
        rec("on_enter_approved")(ctx)
        if fail_on_enter:
            raise RuntimeError("hook failed")

    return Workflow(
        "probe", states=("draft", "submitted", "approved"), initial="draft",
        on_enter={"approved": enter_approved, "submitted": rec("on_enter_submitted")},
        on_exit={"submitted": rec("on_exit_submitted")},
        transitions=[
            Transition("approve", "submitted", "approved", roles=("Manager",), guards=(guard,),
                       prepare=rec("prepare"), before=rec("before"), effects=(rec("effect"),), after=rec("after")),
            # A reflexive trigger (source == dest): exit and enter run, the version is claimed, history is written.
            Transition("note", "submitted", "submitted", roles=("Manager",), effects=(rec("effect"),)),
            Transition("submit", "draft", "submitted", roles=("Employee",),
                       data_guards=(lambda ctx: None if ctx.data.get("ok") else "Say ok.",)),
        ],
    )


@pytest.fixture
def expense(db, example):
    db.session.execute(text("DELETE FROM workflow_history WHERE workflow = 'probe'"))
    e = example.Expense(title="Probe", amount=10, state="submitted", version=1)
    db.session.add(e)
    db.session.commit()
    return e.id


def history(db, pk):
    return db.session.execute(select(WorkflowHistory.trigger, WorkflowHistory.source, WorkflowHistory.dest)
                              .where(WorkflowHistory.workflow == "probe", WorkflowHistory.object_id == pk)
                              .order_by(WorkflowHistory.id)).all()


def test_callbacks_run_in_transitions_order_around_the_claim(db, example, expense):
    calls = []
    wf = probe_workflow(calls).bind(example.Expense)
    obj = wf.fire(db.session, expense, "approve", user("Manager"))
    assert (obj.state, obj.version) == ("approved", 2)
    assert calls == [
        ("prepare", "submitted", 1), ("condition", "submitted", 1), ("before", "submitted", 1),
        ("on_exit_submitted", "submitted", 1),  # the old state: not yet claimed
        ("on_enter_approved", "approved", 2),  # the claimed row
        ("effect", "approved", 2), ("after", "approved", 2),
    ]
    assert history(db, expense) == [("approve", "submitted", "approved")]


def test_on_enter_hook_counted_once_per_fire(db, example, expense):
    calls = []
    wf = probe_workflow(calls).bind(example.Expense)
    for _ in range(3):
        wf.fire(db.session, expense, "note", user("Manager"))
    assert [c[0] for c in calls].count("on_enter_submitted") == 3
    assert [c[0] for c in calls].count("on_exit_submitted") == 3
    assert db.session.get(example.Expense, expense).version == 4  # every reflexive fire claims the row
    assert history(db, expense) == [("note", "submitted", "submitted")] * 3


def test_a_failing_condition_stops_before_any_change(db, example, expense):
    calls = []
    wf = probe_workflow(calls, blocker="Budget frozen until May.").bind(example.Expense)
    with pytest.raises(WorkflowConflict) as err:
        wf.fire(db.session, expense, "approve", user("Manager"))
    assert err.value.message == "Budget frozen until May." and err.value.status == 409
    assert [c[0] for c in calls] == ["prepare", "condition"]
    assert history(db, expense) == []
    assert tuple(db.session.execute(text("SELECT state, version FROM expense WHERE id = :id"),
                                    {"id": expense}).one()) == ("submitted", 1)
    obj = db.session.get(example.Expense, expense)
    (approve,) = [a for a in wf.available(db.session, obj, user("Manager")) if a["trigger"] == "approve"]
    assert (approve["allowed"], approve["reason"]) == (False, "Budget frozen until May.")  # the same condition


def test_a_failing_hook_rolls_back_the_claim(db, example, expense):
    wf = probe_workflow([], fail_on_enter=True).bind(example.Expense)
    with pytest.raises(RuntimeError):
        wf.fire(db.session, expense, "approve", user("Manager"))
    assert tuple(db.session.execute(text("SELECT state, version FROM expense WHERE id = :id"),
                                    {"id": expense}).one()) == ("submitted", 1)
    assert history(db, expense) == [] and wf.machine.models == []


def test_roles_are_checked_once_and_before_the_machine(db, example, expense):
    calls = []
    wf = probe_workflow(calls).bind(example.Expense)
    with pytest.raises(WorkflowForbidden):
        wf.fire(db.session, expense, "approve", user("Employee"))
    assert calls == []


def test_data_guards_judge_only_the_fire(db, example, expense):
    wf = probe_workflow([]).bind(example.Expense)
    obj = db.session.get(example.Expense, expense)
    obj.state = "draft"
    db.session.commit()
    assert [a["allowed"] for a in wf.available(db.session, obj, user("Employee"))] == [True]
    with pytest.raises(WorkflowConflict, match="Say ok."):
        wf.fire(db.session, expense, "submit", user("Employee"))
    assert wf.fire(db.session, expense, "submit", user("Employee"), data={"ok": True}).state == "submitted"


def test_one_machine_shared_by_concurrent_threads():
    """Rows join the definition's one machine only while attached; many threads evaluating different rows at
    once get their own answers and leave the machine empty."""
    wf = Workflow("shared", states=("a", "b", "c"), initial="a", transitions=[
        Transition("go", "a", "b", roles=("R",), guards=(lambda ctx: ctx.obj.blocker,)),
        Transition("stop", ("a", "b"), "c", roles=("R",)),
    ])
    machine = wf.machine
    errors = []

    def work(n):
        try:
            for i in range(200):
                row = SimpleNamespace(id=i, state="a" if i % 2 else "b", blocker=f"blocked {n}" if i % 3 == 0 else None)
                result = {a["trigger"]: (a["allowed"], a["reason"]) for a in wf.available(None, row, user("R"))}
                if row.state == "a":
                    assert result["go"] == ((False, f"blocked {n}") if row.blocker else (True, None))
                assert result["stop"] == (True, None)
                assert not hasattr(row, "may_go") and not hasattr(row, "_wf_context")
        except Exception as err:  # noqa: BLE001 (reported below)
            errors.append(err)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert wf.machine is machine and machine.models == []


def test_count_of_history_rows_is_the_count_of_fires(db, example, expense):
    wf = probe_workflow([]).bind(example.Expense)
    wf.fire(db.session, expense, "note", user("Manager"))
    wf.fire(db.session, expense, "approve", user("Manager"))
    assert db.session.execute(select(func.count(WorkflowHistory.id)).where(
        WorkflowHistory.workflow == "probe", WorkflowHistory.object_id == expense)).scalar() == 2


def test_a_guard_added_at_run_time_is_a_condition_of_the_next_fire(db, example, expense):
    wf = probe_workflow([]).bind(example.Expense)
    approve = wf.transition("approve")
    machine = wf.machine
    approve.guards = (*approve.guards, lambda ctx: "Closed for the holidays.")
    obj = db.session.get(example.Expense, expense)
    (row,) = [a for a in wf.available(db.session, obj, user("Manager")) if a["trigger"] == "approve"]
    assert row["reason"] == "Closed for the holidays." and wf.machine is not machine  # rebuilt once
    with pytest.raises(WorkflowConflict, match="Closed for the holidays."):
        wf.fire(db.session, expense, "approve", user("Manager"))
    assert history(db, expense) == [] and wf.machine.models == [] and machine.models == []
