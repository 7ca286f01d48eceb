"""The generic workflow engine on a toy model that has nothing to do with competitions.

The toy ``Ticket`` lives on its own declarative base (never on flask_appbuilder's ``Model.metadata``), its
table is created in the test database for this module only, and users are plain objects checked by the
engine's default :class:`~workflows.engine.RoleNameAuthorizer`.
"""
import ast
import logging
import pathlib
import subprocess
import sys
from dataclasses import dataclass, field

import pytest
from flask_appbuilder import Model
from sqlalchemy import Column, ForeignKey, Integer, String, func, select, text
from sqlalchemy.orm import declarative_base

from workflows.engine import (
    RoleNameAuthorizer,
    Transition,
    Workflow,
    WorkflowConflict,
    WorkflowForbidden,
    WorkflowInvalid,
    WorkflowNotFound,
)
from workflows.models import WorkflowHistory

ROOT = pathlib.Path(__file__).resolve().parent.parent

ToyBase = declarative_base()


class Ticket(ToyBase):
    __tablename__ = "toy_ticket"
    id = Column(Integer, primary_key=True)
    title = Column(String(100), nullable=False)
    state = Column(String(16), nullable=False, default="open")
    version = Column(Integer, nullable=False, default=1)
    owner_id = Column(Integer, nullable=True)
    blocker = Column(String(200), nullable=True)  # read by a guard: a non-empty blocker stops "start"


class TicketNote(ToyBase):
    """Written by effects, to prove that effect writes share the transition's transaction."""

    __tablename__ = "toy_ticket_note"
    id = Column(Integer, primary_key=True)
    ticket_id = Column(Integer, ForeignKey("toy_ticket.id"), nullable=False)
    text = Column(String(200), nullable=False)


@dataclass
class Role:
    name: str


@dataclass
class ToyUser:
    id: int
    username: str
    roles: list = field(default_factory=list)


# -- fixtures ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def toy_tables(app):
    from app.extensions import db

    assert "toy_ticket" not in Model.metadata.tables  # the toy stays off FAB's metadata (and Alembic's)
    with app.app_context():
        ToyBase.metadata.create_all(db.engine)
    yield
    with app.app_context():
        db.session.remove()
        ToyBase.metadata.drop_all(db.engine)


@pytest.fixture
def session(app, toy_tables):
    from app.extensions import db

    with app.app_context():
        yield db.session
        db.session.rollback()
        db.session.execute(TicketNote.__table__.delete())
        db.session.execute(Ticket.__table__.delete())
        db.session.commit()


@pytest.fixture
def users(session):
    """Toy users; their ids are real ab_user ids because the history row references ab_user."""
    from app.models import User

    ids = dict(session.execute(select(User.username, User.id)).all())
    return {
        "agent": ToyUser(ids["opd_a"], "agent", [Role("Agent")]),
        "agent2": ToyUser(ids["opd_b"], "agent2", [Role("Agent")]),
        "manager": ToyUser(ids["sekretariat"], "manager", [Role("Manager")]),
        "guest": ToyUser(ids["juri1"], "guest", [Role("Guest")]),
    }


def not_blocked(ctx):
    return ctx.obj.blocker or None


def add_note(ctx):
    ctx.session.add(TicketNote(ticket_id=ctx.obj.id, text=f"{ctx.transition.trigger} by {ctx.user.username}"))
    ctx.session.flush()


def make_workflow(**overrides):
    """A fresh ticket workflow per test (its own Machine), bound to Ticket with the default authorizer."""
    transitions = {
        "start": Transition("start", "open", "in_progress", roles=("Agent",), guards=(not_blocked,),
                            effects=(add_note,)),
        "close": Transition("close", ("open", "in_progress"), "closed", roles=("Agent", "Manager"),
                            comment_required=True,
                            data_schema={"type": "object", "required": ["resolution"],
                                         "properties": {"resolution": {"enum": ["fixed", "wontfix"]}}}),
        "reopen": Transition("reopen", "closed", "open", roles=("Agent", "Manager"), owner_only=True),
    }
    transitions.update(overrides)
    wf = Workflow("ticket", states=("open", "in_progress", "closed"), initial="open",
                  transitions=transitions.values(),
                  is_owner=lambda user, obj: obj.owner_id == user.id)
    wf.bind(Ticket)
    assert isinstance(wf.authorizer, RoleNameAuthorizer)
    return wf


def new_ticket(session, **kw):
    t = Ticket(title=kw.pop("title", "Printer jammed"), **kw)
    session.add(t)
    session.commit()
    return t.id


def row(session, pk):
    """The committed row as the database has it (not the identity map)."""
    return session.execute(text("SELECT state, version FROM toy_ticket WHERE id = :id"), {"id": pk}).one()


def history(session, pk):
    return session.execute(
        select(WorkflowHistory).where(WorkflowHistory.workflow == "ticket", WorkflowHistory.object_id == pk)
        .order_by(WorkflowHistory.id)).scalars().all()


def notes(session, pk):
    return session.execute(select(func.count(TicketNote.id)).where(TicketNote.ticket_id == pk)).scalar()


# -- firing -----------------------------------------------------------------------------------------


def test_allowed_fire_changes_state_and_writes_one_history_row(session, users):
    wf = make_workflow()
    pk = new_ticket(session)
    obj = wf.fire(session, pk, "start", users["agent"], comment="  taking it  ")
    assert obj.state == "in_progress" and obj.version == 2
    assert tuple(row(session, pk)) == ("in_progress", 2)
    assert notes(session, pk) == 1  # the effect ran and committed with the transition

    obj = wf.fire(session, pk, "close", users["manager"], comment="done", data={"resolution": "fixed"})
    assert tuple(row(session, pk)) == ("closed", 3)
    rows = history(session, pk)
    assert [(h.trigger, h.source, h.dest) for h in rows] == [("start", "open", "in_progress"),
                                                              ("close", "in_progress", "closed")]
    first, second = rows
    assert (first.user_id, first.username, first.comment, first.data) == (
        users["agent"].id, "agent", "taking it", None)  # comment stripped, no data → NULL
    assert (second.user_id, second.username, second.comment, second.data) == (
        users["manager"].id, "manager", "done", {"resolution": "fixed"})
    assert first.at is not None and second.at >= first.at


def test_the_returned_row_knows_its_new_state_without_a_query(app, session, users):
    from sqlalchemy import event

    from app.extensions import db

    wf = make_workflow()
    pk = new_ticket(session)
    obj = wf.fire(session, pk, "start", users["agent"])
    sent = []
    record = lambda *args: sent.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", record)
    try:
        assert (obj.state, obj.version) == ("in_progress", 2)
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert sent == []
    assert obj.title == "Printer jammed"  # the rest of the row still loads normally


def test_wrong_role_is_forbidden_and_writes_nothing(session, users):
    wf = make_workflow()
    pk = new_ticket(session)
    with pytest.raises(WorkflowForbidden) as exc:
        wf.fire(session, pk, "start", users["manager"])  # Manager may close/reopen, not start
    assert exc.value.status == 403 and "start" in exc.value.message
    with pytest.raises(WorkflowForbidden):
        wf.fire(session, pk, "start", users["guest"])
    with pytest.raises(WorkflowForbidden):
        wf.fire(session, pk, "start", None)  # nobody signed in
    assert tuple(row(session, pk)) == ("open", 1)
    assert history(session, pk) == [] and notes(session, pk) == 0


def test_owner_only_needs_the_owner(session, users):
    wf = make_workflow()
    pk = new_ticket(session, state="closed", owner_id=users["agent"].id)
    with pytest.raises(WorkflowForbidden) as exc:
        wf.fire(session, pk, "reopen", users["agent2"])  # right role, not the owner
    assert exc.value.status == 403
    with pytest.raises(WorkflowForbidden):
        wf.fire(session, pk, "reopen", users["manager"])
    assert tuple(row(session, pk)) == ("closed", 1) and history(session, pk) == []
    assert wf.fire(session, pk, "reopen", users["agent"]).state == "open"


def test_wrong_source_state_is_a_conflict_with_a_reason(session, users):
    wf = make_workflow()
    pk = new_ticket(session, state="closed")
    with pytest.raises(WorkflowConflict) as exc:
        wf.fire(session, pk, "start", users["agent"])
    assert exc.value.status == 409
    assert "start" in exc.value.message and "closed" in exc.value.message
    assert tuple(row(session, pk)) == ("closed", 1) and history(session, pk) == []


def test_guard_reason_is_the_conflict_message_and_nothing_is_written(session, users):
    wf = make_workflow()
    reason = "Waiting for the spare part (order #77)."
    pk = new_ticket(session, blocker=reason)
    with pytest.raises(WorkflowConflict) as exc:
        wf.fire(session, pk, "start", users["agent"], comment="try")
    assert exc.value.message == reason
    assert tuple(row(session, pk)) == ("open", 1)
    assert history(session, pk) == [] and notes(session, pk) == 0  # the effect never ran


def test_guards_stop_at_the_first_reason(session, users):
    calls = []

    def first(ctx):
        calls.append("first")
        return "first says no"

    def second(ctx):  # pragma: no cover - must not run
        calls.append("second")
        return "second says no"

    wf = make_workflow(start=Transition("start", "open", "in_progress", roles=("Agent",), guards=(first, second)))
    pk = new_ticket(session)
    with pytest.raises(WorkflowConflict) as exc:
        wf.fire(session, pk, "start", users["agent"])
    assert exc.value.message == "first says no" and calls == ["first"]


def test_comment_required(session, users):
    wf = make_workflow()
    pk = new_ticket(session)
    for blank in (None, "", "   \n"):
        with pytest.raises(WorkflowInvalid) as exc:
            wf.fire(session, pk, "close", users["agent"], comment=blank, data={"resolution": "fixed"})
        assert exc.value.status == 422
    assert tuple(row(session, pk)) == ("open", 1) and history(session, pk) == []


@pytest.mark.parametrize("data", [None, {}, {"resolution": "maybe"}, {"resolution": 3}, ["fixed"], "fixed"])
def test_data_schema_violation_is_invalid(session, users, data):
    wf = make_workflow()
    pk = new_ticket(session)
    with pytest.raises(WorkflowInvalid) as exc:
        wf.fire(session, pk, "close", users["agent"], comment="done", data=data)
    assert exc.value.status == 422
    assert tuple(row(session, pk)) == ("open", 1) and history(session, pk) == []


def test_a_failing_effect_rolls_everything_back(session, users):
    def write_then_fail(ctx):
        ctx.session.add(TicketNote(ticket_id=ctx.obj.id, text="half done"))
        ctx.session.flush()  # the write reached the database inside the transaction
        ctx.obj.title = "changed by the effect"
        raise RuntimeError("mail server on fire")

    wf = make_workflow(start=Transition("start", "open", "in_progress", roles=("Agent",),
                                        effects=(add_note, write_then_fail)))
    pk = new_ticket(session)
    with pytest.raises(RuntimeError, match="mail server"):
        wf.fire(session, pk, "start", users["agent"], comment="go")
    assert tuple(row(session, pk)) == ("open", 1)  # state and version
    assert history(session, pk) == []
    assert notes(session, pk) == 0  # neither effect's writes survived
    assert session.execute(text("SELECT title FROM toy_ticket WHERE id = :id"), {"id": pk}).scalar() == \
        "Printer jammed"
    # the session is usable again and the transition still works afterwards
    assert make_workflow().fire(session, pk, "start", users["agent"]).state == "in_progress"


def test_after_commit_runs_after_commit_and_its_failure_keeps_the_transition(app, session, users, caplog,
                                                                              monkeypatch):
    from app.extensions import db

    # migrations/env.py calls logging.config.fileConfig() without disable_existing_loggers=False, so an
    # in-process `upgrade()` (the test fixture) disables this logger; re-enable it to see the report.
    monkeypatch.setattr(logging.getLogger("workflows.engine"), "disabled", False)

    seen = []

    def committed_state(pk):
        # A separate connection sees only committed data.
        with db.engine.connect() as conn:
            return conn.execute(text("SELECT state FROM toy_ticket WHERE id = :id"), {"id": pk}).scalar()

    def schedule(ctx):
        pk = ctx.obj.id
        seen.append(("effect", committed_state(pk)))
        ctx.after_commit(lambda: seen.append(("hook", committed_state(pk))))
        ctx.after_commit(lambda: (_ for _ in ()).throw(ConnectionError("SMTP down")))
        ctx.after_commit(lambda: seen.append(("hook2", committed_state(pk))))

    wf = make_workflow(start=Transition("start", "open", "in_progress", roles=("Agent",), effects=(schedule,)))
    pk = new_ticket(session)
    with caplog.at_level(logging.ERROR, logger="workflows.engine"):
        obj = wf.fire(session, pk, "start", users["agent"])
    assert obj.state == "in_progress"
    assert seen == [("effect", "open"),  # inside the transaction nothing was committed yet
                    ("hook", "in_progress"), ("hook2", "in_progress")]  # the failing hook did not stop hook2
    assert tuple(row(session, pk)) == ("in_progress", 2) and len(history(session, pk)) == 1
    assert any("after-commit" in r.getMessage() and r.exc_info for r in caplog.records)


def test_hooks_of_a_failed_fire_never_run(session, users):
    ran = []

    def schedule_then_fail(ctx):
        ctx.after_commit(lambda: ran.append("hook"))
        raise ValueError("boom")

    wf = make_workflow(start=Transition("start", "open", "in_progress", roles=("Agent",),
                                        effects=(schedule_then_fail,)))
    pk = new_ticket(session)
    with pytest.raises(ValueError):
        wf.fire(session, pk, "start", users["agent"])
    assert ran == [] and tuple(row(session, pk)) == ("open", 1)


def test_unknown_row_and_unknown_trigger_are_not_found(session, users):
    wf = make_workflow()
    pk = new_ticket(session)
    with pytest.raises(WorkflowNotFound) as exc:
        wf.fire(session, 987654, "start", users["agent"])
    assert exc.value.status == 404
    with pytest.raises(WorkflowNotFound):
        wf.fire(session, pk, "explode", users["agent"])
    with pytest.raises(WorkflowNotFound):  # the caller's row filter hides the row: 404, not 403
        wf.fire(session, pk, "start", users["manager"], visible=lambda obj: False)
    assert tuple(row(session, pk)) == ("open", 1)


def test_fire_many_reports_per_id(session, users):
    wf = make_workflow()
    ok1, ok2 = new_ticket(session), new_ticket(session)
    closed = new_ticket(session, state="closed")
    blocked = new_ticket(session, blocker="Needs approval.")
    results = wf.fire_many(session, [ok1, closed, 424242, blocked, ok2], "start", users["agent"], comment="batch")
    assert [(r["id"], r["ok"], r["status"]) for r in results] == [
        (ok1, True, 200), (closed, False, 409), (424242, False, 404), (blocked, False, 409), (ok2, True, 200)]
    assert results[0]["state"] == "in_progress"
    assert results[3]["message"] == "Needs approval."
    assert all(r["message"] for r in results if not r["ok"])
    assert [tuple(row(session, pk)) for pk in (ok1, ok2, closed, blocked)] == [
        ("in_progress", 2), ("in_progress", 2), ("closed", 1), ("open", 1)]
    assert [len(history(session, pk)) for pk in (ok1, ok2, closed, blocked)] == [1, 1, 0, 0]
    forbidden = wf.fire_many(session, [ok1], "close", users["guest"], comment="x", data={"resolution": "fixed"})
    assert forbidden == [{"id": ok1, "ok": False, "status": 403, "message": forbidden[0]["message"]}]


def test_fire_many_reports_an_unexpected_error_for_its_row_and_goes_on(session, users, monkeypatch):
    monkeypatch.setattr(logging.getLogger("workflows.engine"), "disabled", False)  # see the after_commit test

    def fail_on_marked(ctx):
        ctx.session.add(TicketNote(ticket_id=ctx.obj.id, text="partial"))
        ctx.session.flush()
        if ctx.obj.title == "explodes":
            raise RuntimeError("disk full")

    wf = make_workflow(start=Transition("start", "open", "in_progress", roles=("Agent",), effects=(fail_on_marked,)))
    first, bad, last = new_ticket(session), new_ticket(session, title="explodes"), new_ticket(session)
    results = wf.fire_many(session, [first, bad, last], "start", users["agent"])
    assert [(r["id"], r["ok"], r["status"]) for r in results] == [(first, True, 200), (bad, False, 500),
                                                                   (last, True, 200)]
    assert results[1]["message"] and "disk full" not in results[1]["message"]  # no internals leak
    assert [tuple(row(session, pk)) for pk in (first, bad, last)] == [("in_progress", 2), ("open", 1),
                                                                       ("in_progress", 2)]
    assert [notes(session, pk) for pk in (first, bad, last)] == [1, 0, 1]
    assert [len(history(session, pk)) for pk in (first, bad, last)] == [1, 0, 1]


def test_available_lists_only_transitions_from_the_current_state(session, users):
    wf = make_workflow()
    pk = new_ticket(session, owner_id=users["agent"].id)
    obj = session.get(Ticket, pk)
    by_trigger = {a["trigger"]: a for a in wf.available(session, obj, users["agent"])}
    assert set(by_trigger) == {"start", "close"}  # reopen leaves "closed" only
    assert by_trigger["start"]["target"] == "in_progress" and by_trigger["start"]["allowed"] is True
    assert by_trigger["start"]["reason"] is None
    assert by_trigger["close"]["comment_required"] is True

    guest = {a["trigger"]: a for a in wf.available(session, obj, users["guest"])}
    assert guest["start"]["allowed"] is False and guest["start"]["reason"]

    obj.blocker = "Customer unreachable."
    session.commit()
    start = {a["trigger"]: a for a in wf.available(session, obj, users["agent"])}["start"]
    assert (start["allowed"], start["reason"]) == (False, "Customer unreachable.")

    closed = session.get(Ticket, new_ticket(session, state="closed", owner_id=users["agent"].id))
    assert [(a["trigger"], a["target"], a["allowed"]) for a in wf.available(session, closed, users["agent"])] == [
        ("reopen", "open", True)]
    reopen = wf.available(session, closed, users["agent2"])[0]
    assert reopen["allowed"] is False and reopen["reason"]  # not the owner
    assert history(session, pk) == []  # looking never writes


@pytest.mark.parametrize("transition", [
    Transition("start", "open", "doing", roles=("Agent",)),  # unknown destination
    Transition("start", ("open", "pending"), "closed", roles=("Agent",)),  # unknown source
])
def test_invalid_definitions_raise(transition):
    with pytest.raises(ValueError):
        Workflow("ticket", states=("open", "in_progress", "closed"), initial="open", transitions=[transition])


def test_unknown_initial_state_and_repeated_triggers_raise():
    start = Transition("start", "open", "closed", roles=("Agent",))
    with pytest.raises(ValueError, match="initial"):
        Workflow("ticket", states=("open", "closed"), initial="new", transitions=[start])
    with pytest.raises(ValueError, match="start"):
        Workflow("ticket", states=("open", "closed"), initial="open",
                 transitions=[start, Transition("start", "closed", "open", roles=("Agent",))])


def test_definition_exposes_permissions_per_trigger():
    wf = make_workflow()
    assert ("can_start", wf.view_menu, ("Agent",)) in wf.permissions()
    assert {p for p, _vm, _roles in wf.permissions()} == {"can_start", "can_close", "can_reopen"}
    assert wf.transition("close").sources == ("open", "in_progress")
    with pytest.raises(WorkflowNotFound):
        wf.transition("nope")


def test_keyword_and_attribute_like_trigger_names_work(session, users):
    """Triggers named like Python keywords or model attributes (stack-notes trap) still fire."""
    wf = make_workflow(**{
        "return": Transition("return", "in_progress", "open", roles=("Manager",)),
        "title": Transition("title", "open", "closed", roles=("Manager",)),
    })
    pk = new_ticket(session, state="in_progress")
    assert wf.fire(session, pk, "return", users["manager"]).state == "open"
    assert wf.fire(session, pk, "title", users["manager"]).state == "closed"
    assert session.get(Ticket, pk).title == "Printer jammed"


# -- independence from the application ----------------------------------------------------------------


def _imported_modules(path):
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names.add(node.module)
    return names


@pytest.mark.parametrize("module", ["engine", "fab", "models"])
def test_engine_modules_import_nothing_from_the_app(module):
    path = ROOT / "workflows" / f"{module}.py"
    imported = _imported_modules(path)
    assert not [m for m in imported if m == "app" or m.startswith("app.")], imported
    source = path.read_text()
    assert "from app" not in source and "import app" not in source


def test_importing_the_engine_loads_no_app_module():
    code = ("import sys, workflows.engine, workflows.fab; "
            "bad = [m for m in sys.modules if m == 'app' or m.startswith('app.')]; "
            "assert not bad, bad")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr


def test_sikipp_uses_only_the_plugins_public_api():
    """Every name SIKIPP imports from the plugin is in the ``__all__`` of the module it comes from."""
    import importlib

    offenders = []
    for folder in ("app", "tests", "bench"):
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module and (
                        node.module == "workflows" or node.module.startswith("workflows.")):
                    module = importlib.import_module(node.module)
                    public = set(getattr(module, "__all__", ()))
                    for alias in node.names:
                        submodule = f"{node.module}.{alias.name}"
                        if alias.name not in public and importlib.util.find_spec(submodule) is None:
                            offenders.append(f"{path.relative_to(ROOT)}: {node.module}.{alias.name}")
    assert offenders == []
