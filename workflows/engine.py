"""The generic workflow engine, driven by ``transitions``.

A :class:`Workflow` is a declarative definition (states, transitions with roles, guards, effects, hooks,
comment and data rules). It builds ONE ``transitions`` machine per definition; a row joins that machine as
its model only while a fire or an evaluation runs (:meth:`Workflow.attach`: ``add_model`` … ``remove_model``),
so no machine or machine state is ever kept per row. :meth:`Workflow.fire` runs one transition inside one
database transaction:

    lock the row (SELECT … FOR UPDATE; a version check everywhere) → role and ownership (403) → source
    state (409) → comment / data (422) → the machine's event: ``prepare`` → ``conditions`` (the guards,
    each keeping its human-readable reason: 409) → ``before`` → ``on_exit_<source>`` → the state change,
    which IS the claim (conditional UPDATE of state and version: of concurrent fires one wins) →
    ``on_enter_<dest>`` → ``after`` (the effects first) → history row → commit → after-commit hooks.

:meth:`Workflow.available` (and the API's ``allowed``/``reason``) asks the same machine (``may_<trigger>``)
with the same conditions. Any failure before commit rolls everything back. The engine imports nothing from
the application.
"""
from __future__ import annotations

import functools
import inspect
import logging
import re
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Iterator, Mapping, Optional, Sequence, Union

import jsonschema
from sqlalchemy import CheckConstraint, bindparam, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm.attributes import set_committed_value
from transitions import Machine, State
from transitions.core import listify

from workflows.models import WorkflowHistory

_HISTORY_INSERT = WorkflowHistory.__table__.insert()

__all__ = [
    "Authorizer", "Effect", "Guard", "Hook", "RoleNameAuthorizer", "Transition", "TransitionContext", "Workflow",
    "WorkflowConflict", "WorkflowError", "WorkflowForbidden", "WorkflowInvalid", "WorkflowNotFound",
    "check_constraint_values", "discard_after_commit", "is_lost_race", "pending_after_commit", "run_after_commit",
]

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


_CTX_ATTR = "_wf_context"  # where an attached row keeps its TransitionContext (never a mapped column)


@dataclass
class TransitionContext:
    """What guards, effects and hooks receive (one per fire or evaluation of a row)."""

    workflow: "Workflow"
    transition: Optional["Transition"]
    session: Any
    obj: Any
    user: Any
    comment: Optional[str] = None
    data: dict = field(default_factory=dict)
    source: Optional[str] = None
    dest: Optional[str] = None  # set once the row is claimed
    _after_commit: list = field(default_factory=list)
    firing: bool = False  # True inside Workflow.fire (data guards run, the state change claims the row)
    reason: Optional[str] = None  # why the last evaluated condition failed
    reason_kind: Optional[str] = None  # "actor" (role/ownership) or "guard"
    event: Any = None  # the ``transitions`` EventData of the running callback
    machine: Any = None  # the definition's machine the row is attached to
    _actor: dict = field(default_factory=dict)

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` once the transaction has committed (errors are logged, not raised)."""
        self._after_commit.append(callback)

    def actor_problem(self, transition: Optional["Transition"] = None) -> Optional[str]:
        """Why this user may not fire ``transition`` on this row (role, ownership), or None. Asked once per
        trigger and context (the permission check may cost queries)."""
        t = transition or self.transition
        assert t is not None
        if t.trigger not in self._actor:
            self._actor[t.trigger] = self.workflow._check_actor(t, self.user, self.obj)
        return self._actor[t.trigger]


Guard = Callable[[TransitionContext], Optional[str]]
Effect = Callable[[TransitionContext], None]
Hook = Callable[[TransitionContext], Any]
Hooks = Union[Hook, str, Sequence[Union[Hook, str]]]


def _hooks(value) -> tuple:
    if value is None:
        return ()
    if callable(value) or isinstance(value, str):
        return (value,)
    return tuple(value)


@dataclass
class Transition:
    """One trigger: ``sources`` → ``dest`` for ``roles``.

    ``guards`` become the machine's ``conditions`` (each returns a reason, or None when it passes);
    ``data_guards`` too, judged only when firing (they read the data sent). ``effects`` and ``after`` run after
    the state change inside the transaction, ``before`` before it (after the conditions), ``prepare`` before
    the conditions (also when only evaluating: keep it free of writes). A transition whose ``dest`` is one of
    its sources is reflexive: exit and enter hooks run, the version is claimed and history is written.
    """

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
    prepare: Sequence[Hook] = ()
    before: Sequence[Hook] = ()
    after: Sequence[Hook] = ()

    def __post_init__(self):
        if isinstance(self.sources, str):
            self.sources = (self.sources,)
        self.sources = tuple(self.sources)
        self.roles = tuple(self.roles)
        self.guards, self.effects, self.data_guards = tuple(self.guards), tuple(self.effects), tuple(self.data_guards)
        self.prepare, self.before, self.after = _hooks(self.prepare), _hooks(self.before), _hooks(self.after)

    @property
    def permission_name(self) -> str:
        return f"can_{self.trigger}"


def _context(event_data) -> TransitionContext:
    """The TransitionContext of the row the machine is working on."""
    ctx = event_data.model.__dict__[_CTX_ATTR]
    ctx.event = event_data
    return ctx


def _as_callback(hook):
    """A definition's hook (``hook(ctx)``) as a ``transitions`` callback (``send_event``: it gets EventData).
    A string stays a string: ``transitions`` resolves it on the model (a method taking the EventData)."""
    if isinstance(hook, str):
        return hook

    @functools.wraps(hook)
    def callback(event_data):
        return hook(_context(event_data))

    return callback


class _Condition:
    """A guard as a ``transitions`` condition: False when the guard gives a reason, which it keeps on the
    context (the API's ``reason``, the 409's message)."""

    def __init__(self, guard: Guard, *, data_only: bool = False, kind: str = "guard"):
        self.guard = guard
        self.data_only = data_only
        self.kind = kind
        functools.update_wrapper(self, guard)

    def __call__(self, event_data) -> bool:
        ctx = _context(event_data)
        if self.data_only and not ctx.firing:
            return True  # judged on the data sent: only when firing
        reason = self.guard(ctx)
        if reason:
            ctx.reason, ctx.reason_kind = str(reason), self.kind
            return False
        return True


def _actor_condition(ctx: TransitionContext) -> Optional[str]:
    return ctx.actor_problem()


class _RowMachine(Machine):
    """The one ``transitions`` machine of a :class:`Workflow`. Rows join it as models only while a fire (or an
    evaluation) runs (:meth:`Workflow.attach`); the machine's state change IS the engine's claim of the row
    (conditional UPDATE of state and version), so ``on_exit_<source>`` hooks see the old state and
    ``on_enter_<dest>`` hooks a claimed row."""

    def __init__(self, workflow: "Workflow", **kwargs):
        self.workflow = workflow
        self._plans: dict = {}
        super().__init__(**kwargs)

    def set_state(self, state, model=None):
        if not isinstance(state, State):
            state = self.get_state(state)
        for mod in (self.models if model is None else listify(model)):
            ctx = mod.__dict__.get(_CTX_ATTR)
            if ctx is not None and ctx.firing:
                self.workflow._claim(ctx.session, mod, getattr(mod, self.model_attribute), state.value)
                ctx.dest = state.value
            elif getattr(mod, self.model_attribute, None) != state.value:
                setattr(mod, self.model_attribute, state.value)

    def add_model(self, model, initial=None):
        """``Machine.add_model`` that tells rows apart by identity (a model may compare by value) and, after the
        first row of a class, assigns the convenience methods from a per-class plan (a fire attaches a row each
        time: this is on the hot path)."""
        initial = self.initial if initial is None else initial
        for mod in listify(model):
            if any(m is mod for m in self.models):
                continue
            plan = self._plans.get(type(mod))
            if plan is None:
                plan = self._plans[type(mod)] = self._plan(mod)
            attrs = mod.__dict__
            for name, func, before, after in plan:
                if name not in attrs:
                    attrs[name] = functools.partial(func, *before, mod, *after)
            self.set_state(initial, model=mod)
            self.models.append(mod)

    def _plan(self, mod) -> list:
        """What ``Machine.add_model`` assigns to a row of this class: (name, function, args before the row, args
        after it). Also registers the class's own ``on_enter_<state>``/``on_exit_<state>`` methods, once."""
        cls = type(mod)
        plan: list[tuple[str, Callable[..., Any], tuple, tuple]] = []
        for name, func, before, after in (("trigger", self._get_trigger, (), ()),
                                          ("may_trigger", self._can_trigger, (), ())):
            plan.append((name, func, before, after))
        for trigger, event in self.events.items():
            plan.append((trigger, event.trigger, (), ()))
            plan.append((f"may_{trigger}", self._can_trigger, (), (trigger,)))
        for state in self.states.values():
            prefix = "is_" if self.model_attribute == "state" else f"is_{self.model_attribute}_"
            plan.append((prefix + state.name, self.is_state, (state.value,), ()))
            for callback in self.state_cls.dynamic_methods:
                method = f"{callback}_{state.name}"
                if inspect.isfunction(getattr(cls, method, None)) and method not in getattr(state, callback):
                    state.add_callback(callback[3:], method)
        # A row's own attributes (a column called like a trigger, e.g. "title") win: the engine fires through
        # ``machine.events[trigger]``, never through the row's convenience methods.
        return [entry for entry in plan if not hasattr(cls, entry[0])]

    def remove_model(self, model):
        """``Machine.remove_model`` by identity (no event queue is used: nothing else to drop)."""
        for mod in listify(model):
            for i, m in enumerate(self.models):
                if m is mod:
                    del self.models[i]
                    break

    def _checked_assignment(self, model, name, func):
        # A row's own attributes (a column called like a trigger, e.g. "title") win, silently: the engine
        # fires through ``machine.events[trigger]``, never through the row's convenience methods.
        if name in model.__dict__ or hasattr(type(model), name):
            return
        setattr(model, name, func)


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
    """A declarative workflow definition, bound later to a model with :meth:`bind`.

    ``on_enter`` / ``on_exit`` map a state to hooks (``hook(ctx)``) run when a fire enters or leaves it
    (``transitions``' ``on_enter_<state>`` / ``on_exit_<state>``), inside the transaction.
    """

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
        on_enter: Optional[Mapping[str, Hooks]] = None,
        on_exit: Optional[Mapping[str, Hooks]] = None,
        final_states: Optional[Sequence[str]] = None,
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
        self.on_enter = {s: _hooks(h) for s, h in (on_enter or {}).items()}
        self.on_exit = {s: _hooks(h) for s, h in (on_exit or {}).items()}
        # States with no way out; default: every state no transition leaves.
        self.final_states = tuple(final_states) if final_states is not None else tuple(
            s for s in self.states if not any(s in t.sources for t in self.transitions.values()))
        self.model: Any = None
        self._stmt_cache: dict = {}
        self.state_attr = "state"
        self.version_attr = "version"
        self.authorizer: Authorizer = RoleNameAuthorizer(self)
        for t in self.transitions.values():
            unknown = [s for s in (*t.sources, t.dest) if s not in self.states]
            if unknown:
                raise ValueError(f"{name}.{t.trigger}: unknown states {unknown}")
        for kind, hooks in (("on_enter", self.on_enter), ("on_exit", self.on_exit)):
            unknown = [s for s in hooks if s not in self.states]
            if unknown:
                raise ValueError(f"{name}: {kind} of unknown states {unknown}")
        unknown = [s for s in self.final_states if s not in self.states]
        if unknown:
            raise ValueError(f"{name}: unknown final states {unknown}")
        self._models_lock = threading.Lock()
        self.machine = self._build_machine()

    def _build_machine(self) -> Machine:
        """ONE machine for the definition; rows join it only while attached (see :meth:`attach`).

        A plain ``Machine`` (no queue) keeps each event's data in its own ``EventData``, so concurrent fires
        of different rows in several threads share it safely; only the model registry (``add_model`` /
        ``remove_model``) is guarded by a lock. ``LockedMachine`` is not used: it would hold one process-wide
        lock across the database work of every fire, serialising requests (and deadlocking against row
        locks held by a waiting thread)."""
        states = [State(s, on_enter=[_as_callback(h) for h in self.on_enter.get(s, ())],
                        on_exit=[_as_callback(h) for h in self.on_exit.get(s, ())]) for s in self.states]
        transitions = [{
            "trigger": t.trigger, "source": list(t.sources), "dest": t.dest,
            "conditions": [_Condition(_actor_condition, kind="actor"), *(_Condition(g) for g in t.guards),
                           *(_Condition(g, data_only=True) for g in t.data_guards)],
            "prepare": [_as_callback(h) for h in t.prepare],
            "before": [_as_callback(h) for h in t.before],
            "after": [_as_callback(h) for h in (*t.effects, *t.after)],
        } for t in self.transitions.values()]
        machine = _RowMachine(
            self, model=None, states=states, initial=self.initial, transitions=transitions,
            auto_transitions=False, ignore_invalid_triggers=False, send_event=True,
            model_attribute=self.state_attr, prepare_event=[self._prepare_event],
            after_state_change=[self._record],
        )
        self._built_from = self._callbacks_signature()
        names = ["trigger", "may_trigger"]
        for trigger in self.transitions:
            names += [trigger, f"may_{trigger}"]
        prefix = "is_" if self.state_attr == "state" else f"is_{self.state_attr}_"
        names += [prefix + s for s in self.states]
        self._model_names = tuple(names)
        return machine

    def _callbacks_signature(self) -> list:
        return [(t.guards, t.data_guards, t.effects, t.prepare, t.before, t.after) for t in self.transitions.values()]

    def _current_machine(self) -> Machine:
        """The definition's machine; rebuilt (once) when a transition's callbacks were replaced after it was
        built (e.g. a test or an application adding a guard at run time), so they are never silently ignored."""
        built = self._built_from
        if any(a is not b for old, new in zip(built, self._callbacks_signature()) for a, b in zip(old, new)):
            with self._models_lock:
                if self._built_from is built:
                    self.machine = self._build_machine()
        return self.machine

    def _prepare_event(self, event_data) -> None:
        ctx = _context(event_data)
        ctx.transition = self.transitions[event_data.event.name]
        ctx.source = event_data.state.name
        ctx.reason = ctx.reason_kind = None

    def _record(self, event_data) -> None:
        """The history row (after the effects), inside the transaction."""
        ctx = _context(event_data)
        t, obj, user = ctx.transition, ctx.obj, ctx.user
        assert t is not None
        # A Core INSERT, not ``session.add``: the unit of work's flush machinery cost more than the INSERT itself
        # on every fire (hot path). Pending ORM rows of the effects are flushed first, so history rows keep the
        # order in which the transaction produced them.
        ctx.session.flush()
        ctx.session.execute(_HISTORY_INSERT, {
            "workflow": self.name, "object_id": obj.id, "trigger": t.trigger, "source": ctx.source,
            "dest": ctx.dest, "user_id": getattr(user, "id", None), "username": getattr(user, "username", None),
            "comment": ctx.comment, "data": ctx.data or None,
        })

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
        rebuild = state_attr != self.state_attr
        self.state_attr = state_attr
        self.version_attr = version_attr
        if rebuild:
            self.machine = self._build_machine()
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

    def trigger_label(self, trigger: str) -> str:
        t = self.transitions.get(trigger)
        return str(t.label or t.trigger) if t else trigger

    def permissions(self):
        """(permission name, view menu, default roles) for every trigger, for seeding."""
        return [(t.permission_name, self.view_menu, tuple(t.roles)) for t in self.transitions.values()]

    # -- the row as the machine's model ------------------------------------------------
    @contextmanager
    def attach(self, obj, ctx: Optional[TransitionContext] = None, *, session=None, user=None) -> Iterator[Any]:
        """Make ``obj`` the machine's model for the ``with`` block: it gets ``transitions``' convenience
        methods (``may_<trigger>()``, ``is_<state>()``, ``<trigger>()`` where no attribute of the row has that
        name) evaluated for ``ctx`` (or a context of ``session`` and ``user``). On leaving, the row leaves the
        machine (``remove_model``) and loses those methods: nothing of the machine stays on the row."""
        if ctx is None:
            ctx = TransitionContext(self, None, session, obj, user, source=getattr(obj, self.state_attr))
        outer = obj.__dict__.get(_CTX_ATTR)
        obj.__dict__[_CTX_ATTR] = ctx
        if outer is not None:  # already attached (nested): only the context changes for the inner block
            ctx.machine = outer.machine
            try:
                yield obj
            finally:
                obj.__dict__[_CTX_ATTR] = outer
            return
        machine = ctx.machine = self._current_machine()
        try:
            with self._models_lock:
                machine.add_model(obj, initial=getattr(obj, self.state_attr))
        except BaseException:
            obj.__dict__.pop(_CTX_ATTR, None)
            raise
        try:
            yield obj
        finally:
            with self._models_lock:
                machine.remove_model(obj)
            for name in self._model_names:
                if isinstance(obj.__dict__.get(name), functools.partial):
                    del obj.__dict__[name]
            obj.__dict__.pop(_CTX_ATTR, None)

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

    def _may(self, ctx: TransitionContext, trigger: str) -> bool:
        """``may_<trigger>`` of the attached row (``transitions``: prepare callbacks, then the conditions)."""
        return ctx.machine._can_trigger(ctx.obj, trigger)

    def available(self, session, obj, user) -> list[dict]:
        """Transitions leaving the current state, each with whether this user may fire it now and why not:
        the machine's ``may_<trigger>`` with the fire's own conditions (role and ownership, then guards)."""
        state = getattr(obj, self.state_attr)
        result: list[dict] = []
        leaving = [t for t in self.transitions.values() if state in t.sources]
        if not leaving:
            return result
        ctx = TransitionContext(self, None, session, obj, user, source=state)
        with self.attach(obj, ctx):
            for t in leaving:
                allowed = self._may(ctx, t.trigger)
                reason = None if allowed else (ctx.reason or _("Not allowed."))
                result.append({
                    "trigger": t.trigger,
                    "target": t.dest,
                    "allowed": allowed,
                    "reason": reason,
                    "permitted": allowed or ctx.reason_kind != "actor",  # role and ownership allow it
                    "comment_required": t.comment_required,
                    "label": t.label or t.trigger,
                })
        return result

    def may(self, session, obj, user, trigger: str) -> bool:
        """Whether ``user`` may fire ``trigger`` on ``obj`` now (what ``available()`` says as ``allowed``)."""
        t = self.transition(trigger)
        if getattr(obj, self.state_attr) not in t.sources:
            return False
        ctx = TransitionContext(self, t, session, obj, user, source=getattr(obj, self.state_attr))
        with self.attach(obj, ctx):
            return self._may(ctx, trigger)

    # -- firing ---------------------------------------------------------------------
    def _statements(self, model) -> tuple:
        """The fire's row SELECT … FOR UPDATE and its claim UPDATE for ``model``, built once with bound
        parameters: building and cache-keying the statements anew cost more than executing them (hot path)."""
        key = (model, self.state_attr, self.version_attr)
        cached = self._stmt_cache.get(key)
        if cached is None:
            # populate_existing: work on the committed row, not a stale identity-map copy.
            load = (select(model).where(model.id == bindparam("wf_pk")).with_for_update()
                    .execution_options(populate_existing=True))
            # The claim is a Core UPDATE of the table (the row's new state and version are set on the instance
            # by the engine itself): the ORM's bulk-update plumbing would only add work. Column defaults such as
            # an ``onupdate`` timestamp still apply.
            id_col, state_col, version_col = (
                getattr(model, attr).property.columns[0] for attr in ("id", self.state_attr, self.version_attr))
            claim = (update(model.__table__)
                     .where(id_col == bindparam("wf_pk"), state_col == bindparam("wf_source"),
                            version_col == bindparam("wf_old_version"))
                     .values({state_col: bindparam("wf_dest"), version_col: bindparam("wf_new_version")}))
            cached = self._stmt_cache[key] = (load, claim)
        return cached

    def _load_for_update(self, session, pk):
        obj = session.execute(self._statements(self.model)[0], {"wf_pk": pk}).scalar_one_or_none()
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
            source = getattr(obj, self.state_attr)
            ctx = TransitionContext(self, t, session, obj, user, comment=comment, data=data, source=source)
            reason = ctx.actor_problem(t)
            if reason:
                raise WorkflowForbidden(reason)
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
            ctx.data = data
            with self.attach(obj, ctx):
                ctx.firing = True
                # The machine's event (what the row's ``<trigger>()`` method would call): conditions, before,
                # exit, the claim, enter, after (effects), history.
                fired = ctx.machine.events[trigger].trigger(obj)
            if not fired:
                raise WorkflowConflict(ctx.reason or _("Not allowed."))
            dest = ctx.dest
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

    def _claim(self, session, obj, source: str, dest: str) -> None:
        """Conditional UPDATE: only one of several concurrent fires finds the old version and state."""
        old_version = getattr(obj, self.version_attr)
        result = session.execute(self._statements(type(obj))[1], {
            "wf_pk": obj.id, "wf_source": source, "wf_old_version": old_version, "wf_dest": dest,
            "wf_new_version": old_version + 1})
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

    # -- diagrams --------------------------------------------------------------------
    def graph(self, *, current: Optional[str] = None):
        """The workflow as a ``graphviz.Digraph``: states and triggers by their (translated) labels, final
        states double-circled, ``current`` (a row's state) highlighted. Needs the ``graphviz`` package."""
        from workflows.diagrams import graphviz_digraph

        return graphviz_digraph(self, current=current)

    def diagram_svg(self, *, current: Optional[str] = None) -> bytes:
        """The workflow drawn by Graphviz, as SVG bytes (``current`` highlighted)."""
        return self.graph(current=current).pipe(format="svg")

    def mermaid(self, *, current: Optional[str] = None) -> str:
        """The workflow as a Mermaid ``stateDiagram-v2`` (labels translated in the current locale)."""
        from workflows.diagrams import mermaid

        return mermaid(self, current=current)
