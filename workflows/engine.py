"""The generic workflow engine.

A :class:`Workflow` is a declarative definition (states, transitions with roles, guards, effects,
comment and data rules). It builds ONE ``transitions.Machine`` that validates the definition and
computes destinations; rows are never given a machine of their own (stack-notes: a machine per
row is slow and resets state). :meth:`Workflow.fire` runs one transition inside one database
transaction:

    lock the row (SELECT … FOR UPDATE; a version check everywhere) → role and ownership →
    source state → comment / data → guards → claim the row (conditional UPDATE of state and
    version) → effects → history row → commit → after-commit hooks (e.g. waking the outbox workers).

Any failure before commit rolls everything back. The engine imports nothing from the application.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Optional, Sequence

import jsonschema
from sqlalchemy import CheckConstraint, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm.attributes import set_committed_value
from transitions import Machine

from workflows.models import WorkflowHistory

log = logging.getLogger(__name__)


def _(msgid: str, **params: Any) -> str:
    """Translate through Flask-Babel when an app context is present, else format as is."""
    try:
        from flask_babel import gettext

        return gettext(msgid, **params)
    except Exception:  # no app/babel context (plain unit tests of the engine)
        return msgid % params if params else msgid


def is_lost_race(err: Exception) -> bool:
    """SQLite's "database is locked" and PostgreSQL's serialization failures: another writer won."""
    text = str(err).lower()
    return "locked" in text or "could not serialize" in text


_AFTER_COMMIT_KEY = "workflows.after_commit"


def pending_after_commit(session) -> list:
    """After-commit hooks of fires that composed into the session's current transaction (``commit=False``)."""
    return session.info.setdefault(_AFTER_COMMIT_KEY, [])


def run_after_commit(session) -> None:
    """Run (once) the hooks queued by ``fire(commit=False)``; call it after committing. Errors are logged."""
    hooks = session.info.pop(_AFTER_COMMIT_KEY, [])
    for name, callback in hooks:
        try:
            callback()
        except Exception:  # delivery problems never undo a committed transition
            log.exception("after-commit hook of %s failed", name)


def discard_after_commit(session) -> None:
    """Drop the queued hooks; call it after rolling back."""
    session.info.pop(_AFTER_COMMIT_KEY, None)


def _schema_message(err) -> str:
    """A readable message for data refused by a transition's JSON schema."""
    where = ".".join(str(p) for p in err.absolute_path)
    if err.validator == "required":
        missing = [name for name in err.validator_value if name not in (err.instance or {})]
        if missing:
            field = ".".join(filter(None, (where, missing[0])))
            return _("Invalid data: \"%(field)s\" is required.", field=field)
    return _("Invalid data (%(field)s): %(error)s", field=where or "data", error=err.message)


class WorkflowError(Exception):
    status = 400

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class WorkflowForbidden(WorkflowError):
    """The user's role may not fire the trigger, or the row is not the user's own."""

    status = 403


class WorkflowNotFound(WorkflowError):
    status = 404


class WorkflowConflict(WorkflowError):
    """Not allowed from the current state, a guard failed, or a concurrent fire won."""

    status = 409


class WorkflowInvalid(WorkflowError):
    """The comment or data sent with the trigger is missing or malformed."""

    status = 422


@dataclass
class TransitionContext:
    """What guards and effects receive."""

    workflow: "Workflow"
    transition: "Transition"
    session: Any
    obj: Any
    user: Any
    comment: Optional[str] = None
    data: dict = field(default_factory=dict)
    source: Optional[str] = None
    dest: Optional[str] = None  # set once the row is claimed
    _after_commit: list = field(default_factory=list)

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` once the transaction has committed (errors are logged, not raised)."""
        self._after_commit.append(callback)


Guard = Callable[[TransitionContext], Optional[str]]
Effect = Callable[[TransitionContext], None]


@dataclass
class Transition:
    trigger: str
    sources: Sequence[str]
    dest: str
    roles: Sequence[str] = ()
    guards: Sequence[Guard] = ()
    effects: Sequence[Effect] = ()
    comment_required: bool = False
    data_schema: Optional[dict] = None
    # Guards that judge the data sent with the fire (e.g. a checklist to attest): checked by fire() only,
    # after the data schema; available() does not run them (before firing there is no data yet).
    data_guards: Sequence[Guard] = ()
    owner_only: bool = False  # the user must own the row (Workflow.is_owner)
    label: Optional[str] = None

    def __post_init__(self):
        if isinstance(self.sources, str):
            self.sources = (self.sources,)
        self.sources = tuple(self.sources)

    @property
    def permission_name(self) -> str:
        return f"can_{self.trigger}"


class Authorizer:
    """Answers whether a user holds a permission on a view menu (the FAB integration implements it)."""

    def has_permission(self, user: Any, permission_name: str, view_menu: str) -> bool:  # pragma: no cover
        raise NotImplementedError


class RoleNameAuthorizer(Authorizer):
    """Authorizer for use without FAB: a user's ``roles`` names against the definition's roles."""

    def __init__(self, workflow: "Workflow"):
        self.workflow = workflow

    def has_permission(self, user, permission_name, view_menu):
        trigger = permission_name[len("can_"):]
        allowed = set(self.workflow.transition(trigger).roles)
        return bool(allowed & {getattr(r, "name", r) for r in getattr(user, "roles", [])})


_QUOTED = re.compile(r"'((?:[^']|'')*)'")


def check_constraint_values(model, attr: str) -> list[tuple[Any, set]]:
    """(name, quoted literals) of each CHECK constraint of ``model``'s table whose text names the column
    behind attribute ``attr`` and lists quoted values (e.g. ``state IN ('draft', 'signed')``)."""
    table = getattr(model, "__table__", None)
    if table is None:
        return []
    prop = getattr(getattr(model, attr, None), "property", None)
    columns = getattr(prop, "columns", None)
    column = columns[0].name if columns else attr
    names_column = re.compile(rf"(?<!\w){re.escape(column)}(?!\w)")
    found = []
    for constraint in table.constraints:
        if not isinstance(constraint, CheckConstraint):
            continue
        text = _QUOTED.sub("''", str(constraint.sqltext))  # the column name outside the literals
        literals = {v.replace("''", "'") for v in _QUOTED.findall(str(constraint.sqltext))}
        if literals and names_column.search(text):
            found.append((constraint.name, literals))
    return found


class Workflow:
    """A declarative workflow definition, bound later to a model with :meth:`bind`."""

    def __init__(
        self,
        name: str,
        states: Sequence[str],
        initial: str,
        transitions: Iterable[Transition],
        *,
        view_menu: Optional[str] = None,
        state_labels: Optional[dict] = None,
        state_styles: Optional[dict] = None,
        is_owner: Optional[Callable[[Any, Any], bool]] = None,
    ):
        self.name = name
        self.states = tuple(states)
        self.initial = initial
        transitions = list(transitions)
        # Fix: an unknown initial state was silently added to the machine, and a repeated trigger
        # silently replaced the earlier one; both are definition errors.
        if initial not in self.states:
            raise ValueError(f"{name}: unknown initial state {initial!r}")
        triggers = [t.trigger for t in transitions]
        repeated = sorted({t for t in triggers if triggers.count(t) > 1})
        if repeated:
            raise ValueError(f"{name}: triggers defined more than once: {repeated}")
        self.transitions = {t.trigger: t for t in transitions}
        self.view_menu = view_menu or f"{name.title().replace('_', '')}Workflow"
        self.state_labels = state_labels or {}
        self.state_styles = state_styles or {}  # state → Bootstrap label style (default, info, success…)
        self.is_owner = is_owner or (lambda user, obj: True)
        self.model: Any = None
        self.state_attr = "state"
        self.version_attr = "version"
        self.authorizer: Authorizer = RoleNameAuthorizer(self)
        for t in self.transitions.values():
            unknown = [s for s in (*t.sources, t.dest) if s not in self.states]
            if unknown:
                raise ValueError(f"{name}.{t.trigger}: unknown states {unknown}")
        # One machine per definition; it validates the graph and computes destinations.
        self.machine = Machine(
            model=None,
            states=list(self.states),
            initial=initial,
            transitions=[{"trigger": t.trigger, "source": list(t.sources), "dest": t.dest}
                         for t in self.transitions.values()],
            auto_transitions=False,
            ignore_invalid_triggers=False,
        )

    # -- wiring -----------------------------------------------------------------
    def bind(self, model, *, state_attr: str = "state", version_attr: str = "version", authorizer=None):
        """Bind to ``model``; refuses (ValueError) a model whose CHECK constraint on the state column allows
        other values than the workflow's states (see :func:`check_constraint_values`)."""
        states = set(self.states)
        for name, allowed in check_constraint_values(model, state_attr):
            if allowed != states:
                raise ValueError(
                    f"{self.name}: CHECK constraint {name} on {model.__name__}.{state_attr} allows "
                    f"{sorted(allowed)} but the workflow's states are {sorted(states)} "
                    f"(only in the constraint: {sorted(allowed - states)}; only in the workflow: "
                    f"{sorted(states - allowed)})")
        self.model = model
        self.state_attr = state_attr
        self.version_attr = version_attr
        if authorizer is not None:
            self.authorizer = authorizer
        return self

    def transition(self, trigger: str) -> Transition:
        try:
            return self.transitions[trigger]
        except KeyError:
            raise WorkflowNotFound(_("Unknown transition: %(trigger)s", trigger=trigger)) from None

    def label(self, state: str) -> str:
        return self.state_labels.get(state, state)

    def permissions(self):
        """(permission name, view menu, default roles) for every trigger, for seeding."""
        return [(t.permission_name, self.view_menu, tuple(t.roles)) for t in self.transitions.values()]

    # -- evaluation ---------------------------------------------------------------
    def _check_actor(self, t: Transition, user, obj) -> Optional[str]:
        if user is None or not self.authorizer.has_permission(user, t.permission_name, self.view_menu):
            return _("Your role may not perform \"%(trigger)s\".", trigger=t.label or t.trigger)
        if t.owner_only and not self.is_owner(user, obj):
            return _("Only the owning unit may perform \"%(trigger)s\".", trigger=t.label or t.trigger)
        return None

    def _check_state(self, t: Transition, state: str) -> Optional[str]:
        if state not in t.sources:
            return _(
                "\"%(trigger)s\" is not possible from state \"%(state)s\".",
                trigger=t.label or t.trigger, state=self.label(state),
            )
        return None

    def _check_guards(self, ctx: TransitionContext) -> Optional[str]:
        for guard in ctx.transition.guards:
            reason = guard(ctx)
            if reason:
                return reason
        return None

    def available(self, session, obj, user) -> list[dict]:
        """Transitions leaving the current state, each with whether this user may fire it now and why not."""
        state = getattr(obj, self.state_attr)
        result = []
        for t in self.transitions.values():
            if state not in t.sources:
                continue
            reason = self._check_actor(t, user, obj)
            permitted = reason is None
            if permitted:
                ctx = TransitionContext(self, t, session, obj, user, source=state)
                reason = self._check_guards(ctx)
            result.append({
                "trigger": t.trigger,
                "target": t.dest,
                "allowed": reason is None,
                "reason": reason,
                "permitted": permitted,  # role and ownership allow it (a guard may still block it)
                "comment_required": t.comment_required,
                "label": t.label or t.trigger,
            })
        return result

    # -- firing ---------------------------------------------------------------------
    def _load_for_update(self, session, pk):
        # populate_existing: work on the committed row, not a stale identity-map copy.
        stmt = (select(self.model).where(self.model.id == pk).with_for_update()
                .execution_options(populate_existing=True))
        obj = session.execute(stmt).scalar_one_or_none()
        if obj is None:
            raise WorkflowNotFound(_("Not found"))
        return obj

    def fire(self, session, pk, trigger: str, user, *, comment: Optional[str] = None,
             data: Optional[dict] = None, visible: Optional[Callable[[Any], bool]] = None,
             commit: bool = True) -> Any:
        """Fire ``trigger`` on row ``pk``; returns the updated row (see :meth:`fire_with_context`)."""
        return self.fire_with_context(session, pk, trigger, user, comment=comment, data=data, visible=visible,
                                      commit=commit).obj

    def fire_with_context(self, session, pk, trigger: str, user, *, comment: Optional[str] = None,
                          data: Optional[dict] = None, visible: Optional[Callable[[Any], bool]] = None,
                          commit: bool = True) -> TransitionContext:
        """Fire ``trigger`` on row ``pk``; returns the transition's context (``obj``, ``source``, ``dest``).

        ``visible(obj)`` lets the caller apply its row-level read filter: an invisible row is 404.
        With ``commit=False`` the fire composes inside the caller's transaction: nothing is committed or
        rolled back here, and the after-commit hooks are queued on the session for the caller, who runs
        them with :func:`run_after_commit` once it has committed (or drops them with
        :func:`discard_after_commit` after a rollback).
        """
        t = self.transition(trigger)
        comment = (comment or "").strip() or None
        data = data or {}
        try:
            obj = self._load_for_update(session, pk)
            if visible is not None and not visible(obj):
                raise WorkflowNotFound(_("Not found"))
            reason = self._check_actor(t, user, obj)
            if reason:
                raise WorkflowForbidden(reason)
            source = getattr(obj, self.state_attr)
            reason = self._check_state(t, source)
            if reason:
                raise WorkflowConflict(reason)
            if t.comment_required and not comment:
                raise WorkflowInvalid(_("A comment is required for \"%(trigger)s\".", trigger=t.label or t.trigger))
            if not isinstance(data, dict):
                raise WorkflowInvalid(_("\"data\" must be an object."))
            if t.data_schema is not None:
                try:
                    jsonschema.validate(data, t.data_schema)
                except jsonschema.ValidationError as err:
                    raise WorkflowInvalid(_schema_message(err)) from None
            ctx = TransitionContext(self, t, session, obj, user, comment=comment, data=data, source=source)
            reason = self._check_guards(ctx)
            for data_guard in t.data_guards:
                reason = reason or data_guard(ctx)
            if reason:
                raise WorkflowConflict(reason)
            dest = ctx.dest = self._destination(source, trigger)
            self._claim(session, obj, source, dest)
            for effect in t.effects:
                effect(ctx)
            session.add(WorkflowHistory(
                workflow=self.name, object_id=obj.id, trigger=trigger, source=source, dest=dest,
                user_id=getattr(user, "id", None), username=getattr(user, "username", None),
                comment=comment, data=data or None,
            ))
            new_version = getattr(obj, self.version_attr)
            if not commit:
                session.flush()
                pending_after_commit(session).extend(
                    (f"{self.name}.{trigger}", callback) for callback in ctx._after_commit)
                return ctx
            session.commit()
        except OperationalError as err:
            if commit:
                session.rollback()
            # SQLite answers a concurrent writer with "database is locked": someone else won.
            if is_lost_race(err):
                raise WorkflowConflict(_("The record is being changed by someone else; try again.")) from None
            raise
        except BaseException:
            if commit:
                session.rollback()
            raise
        # Optimisation: commit expired the row, but its new state and version are known; keep them so
        # callers reading them (the API's answer, fire_many's report) need no refresh SELECT.
        set_committed_value(obj, self.state_attr, dest)
        set_committed_value(obj, self.version_attr, new_version)
        for callback in ctx._after_commit:
            try:
                callback()
            except Exception:  # delivery problems never undo a committed transition
                log.exception("after-commit hook of %s.%s failed", self.name, trigger)
        return ctx

    def _destination(self, source: str, trigger: str) -> str:
        """Let the transitions machine compute the destination on a throwaway proxy."""
        proxy = type("_StateProxy", (), {})()
        setattr(proxy, self.machine.model_attribute, source)
        self.machine.events[trigger].trigger(proxy)
        return getattr(proxy, self.machine.model_attribute)

    def _claim(self, session, obj, source: str, dest: str) -> None:
        """Conditional UPDATE: only one of several concurrent fires finds the old version and state."""
        model = type(obj)
        state_col = getattr(model, self.state_attr)
        version_col = getattr(model, self.version_attr)
        old_version = getattr(obj, self.version_attr)
        result = session.execute(
            update(model)
            .where(model.id == obj.id, state_col == source, version_col == old_version)
            .values({self.state_attr: dest, self.version_attr: old_version + 1})
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:
            raise WorkflowConflict(_("The record was changed by someone else; reload and try again."))
        set_committed_value(obj, self.state_attr, dest)
        set_committed_value(obj, self.version_attr, old_version + 1)

    def fire_many(self, session, ids, trigger: str, user, *, comment=None, data=None, visible=None,
                  fire: Optional[Callable[..., Any]] = None) -> list[dict]:
        """Fire ``trigger`` on each id in its own transaction; report success or failure per id.

        ``fire(pk)`` replaces the engine's own :meth:`fire` per id (an application routes each id through
        its command layer that way); it must commit or roll back that id's transaction itself."""
        results = []
        if fire is None:
            def fire(pk):
                return self.fire(session, pk, trigger, user, comment=comment, data=data, visible=visible)
        for pk in ids:
            try:
                obj = fire(pk)
                results.append({"id": pk, "ok": True, "status": 200, "state": getattr(obj, self.state_attr)})
            except WorkflowError as err:
                results.append({"id": pk, "ok": False, "status": err.status, "message": err.message})
            except Exception:
                # Fix: an unexpected error on one row (fire has rolled that row back) used to abort the whole
                # batch with a 500, hiding which earlier rows had already changed. Report it for that row, go on.
                log.exception("bulk %s.%s failed on id %s", self.name, trigger, pk)
                results.append({"id": pk, "ok": False, "status": 500,
                                "message": _("Unexpected error; this record was not changed.")})
        return results

    def history(self, session, pk) -> list[WorkflowHistory]:
        return list(session.execute(
            select(WorkflowHistory)
            .where(WorkflowHistory.workflow == self.name, WorkflowHistory.object_id == pk)
            .order_by(WorkflowHistory.at, WorkflowHistory.id)
        ).scalars())

    def diagram_svg(self) -> bytes:
        """The workflow drawn by Graphviz (transitions' GraphMachine), as SVG bytes."""
        from transitions.extensions import GraphMachine

        # The diagram machine is its own model (a throwaway instance): rows never get machines. States and
        # triggers are drawn with their labels (what a person reads on the screens).
        def name(state):
            return str(self.label(state))

        graph_machine = GraphMachine(
            states=[name(s) for s in self.states], initial=name(self.initial), auto_transitions=False,
            transitions=[{"trigger": str(t.label or t.trigger), "source": [name(s) for s in t.sources],
                          "dest": name(t.dest)} for t in self.transitions.values()],
            title=str(self.name), show_conditions=False, graph_engine="graphviz",
        )
        return graph_machine.get_graph().pipe(format="svg")
