"""Definitions as data: a :class:`~workflows.engine.Workflow` loaded from a YAML or JSON document that names
registered guards, effects and hooks.

.. code-block:: yaml

    name: expense
    view_menu: ExpenseWorkflow
    initial: draft
    owner: is_owner                        # a registered ownership rule (for owner_only transitions)
    states:
      - {name: draft, label: Draft, style: default}
      - {name: submitted, label: Submitted, on_enter: [notify]}
      - {name: approved, label: Approved, final: true}
    transitions:
      - trigger: approve
        from: [submitted]                  # or one state as a string
        to: approved
        roles: [Manager]
        guards: [within_limit]             # registered guards, in order
        effects: [count_approval]
        comment_required: false
        data_schema: approval_data         # a registered JSON schema, or the schema inline
        label: Approve

Loading refuses (:class:`DefinitionError`, every problem named) unknown keys, unknown states, guards, effects,
hooks, owner rules or schemas, triggers without roles, states unreachable from the initial state and dead ends
(states no transition leaves) that are not declared ``final``.
"""
from __future__ import annotations

import json
import pathlib
from collections import deque
from typing import Any, Callable, Optional

from workflows.engine import Transition, Workflow

__all__ = ["DefinitionError", "Registry", "load_definition", "load_file", "problems"]

STATE_KEYS = {"name", "label", "style", "final", "on_enter", "on_exit"}
TRANSITION_KEYS = {"trigger", "from", "to", "roles", "guards", "data_guards", "effects", "prepare", "before",
                   "after", "comment_required", "data_schema", "owner_only", "label"}
TOP_KEYS = {"name", "view_menu", "initial", "owner", "states", "transitions", "description"}


class DefinitionError(ValueError):
    """A document that is no valid workflow definition; ``problems`` lists every reason."""

    def __init__(self, name: str, problems: list[str]):
        self.problems = problems
        super().__init__(f"workflow definition {name!r} refused: " + "; ".join(problems))


class Registry:
    """The named callables (and JSON schemas) a document may refer to.

    ``translate`` turns a document's labels into display labels (e.g. Flask-Babel's ``lazy_gettext``, so the
    labels follow the user's language); default: the text as written."""

    def __init__(self, *, guards=None, effects=None, hooks=None, owners=None, schemas=None,
                 translate: Optional[Callable[[str], Any]] = None):
        self.guards: dict = dict(guards or {})
        self.effects: dict = dict(effects or {})
        self.hooks: dict = dict(hooks or {})
        self.owners: dict = dict(owners or {})
        self.schemas: dict = dict(schemas or {})
        self.translate = translate or (lambda text: text)

    def guard(self, func=None, *, name=None):
        """Register a guard (usable as a decorator)."""
        return self._register(self.guards, func, name)

    def effect(self, func=None, *, name=None):
        return self._register(self.effects, func, name)

    def hook(self, func=None, *, name=None):
        return self._register(self.hooks, func, name)

    @staticmethod
    def _register(table, func, name):
        def add(f):
            table[name or f.__name__] = f
            return f
        return add(func) if func is not None else add


def _listify(value) -> list:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def _names(value, where: str, problems: list[str]) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        problems.append(f"{where}: must be a name or a list of names")
        return []
    return value


def problems(doc: Any, registry: Registry) -> list[str]:
    """Every reason ``doc`` is not a valid definition against ``registry`` (empty: valid)."""
    found: list[str] = []
    if not isinstance(doc, dict):
        return ["the document must be a mapping (name, initial, states, transitions)"]
    for key in sorted(set(doc) - TOP_KEYS):
        found.append(f"unknown key {key!r} (allowed: {', '.join(sorted(TOP_KEYS))})")
    for key in ("name", "initial"):
        if not isinstance(doc.get(key), str) or not doc.get(key):
            found.append(f"{key!r} is required (text)")
    states_doc = doc.get("states")
    if not isinstance(states_doc, list) or not states_doc:
        found.append("'states' must be a non-empty list")
        states_doc = []
    states: list[str] = []
    finals: set[str] = set()
    for i, entry in enumerate(states_doc):
        entry = {"name": entry} if isinstance(entry, str) else entry
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            found.append(f"state #{i + 1}: needs a name")
            continue
        name = entry["name"]
        for key in sorted(set(entry) - STATE_KEYS):
            found.append(f"state {name!r}: unknown key {key!r}")
        if name in states:
            found.append(f"state {name!r} is listed twice")
        states.append(name)
        if entry.get("final"):
            finals.add(name)
        for kind in ("on_enter", "on_exit"):
            for hook in _names(entry.get(kind), f"state {name!r} {kind}", found):
                if hook not in registry.hooks:
                    found.append(f"state {name!r}: unknown {kind} hook {hook!r}")
    if isinstance(doc.get("initial"), str) and states and doc["initial"] not in states:
        found.append(f"initial state {doc['initial']!r} is not a state")
    owner = doc.get("owner")
    if owner is not None and owner not in registry.owners:
        found.append(f"unknown owner rule {owner!r} (registered: {', '.join(sorted(registry.owners)) or 'none'})")
    transitions_doc = doc.get("transitions")
    if not isinstance(transitions_doc, list):
        found.append("'transitions' must be a list")
        transitions_doc = []
    edges: dict[str, set[str]] = {s: set() for s in states}
    triggers: list[str] = []
    for i, t in enumerate(transitions_doc):
        if not isinstance(t, dict) or not isinstance(t.get("trigger"), str) or not t.get("trigger"):
            found.append(f"transition #{i + 1}: needs a trigger name")
            continue
        trigger = t["trigger"]
        where = f"transition {trigger!r}"
        if trigger in triggers:
            found.append(f"{where} is defined twice")
        triggers.append(trigger)
        for key in sorted(set(t) - TRANSITION_KEYS):
            found.append(f"{where}: unknown key {key!r}")
        sources = _names(t.get("from"), f"{where} from", found)
        dest = t.get("to")
        if not sources:
            found.append(f"{where}: 'from' names no state")
        if not isinstance(dest, str):
            found.append(f"{where}: 'to' must name one state")
        for s in [*sources, *([dest] if isinstance(dest, str) else [])]:
            if s not in states:
                found.append(f"{where}: unknown state {s!r}")
        if isinstance(dest, str) and dest in edges:
            for s in sources:
                if s in edges:
                    edges[s].add(dest)
        roles = _names(t.get("roles"), f"{where} roles", found)
        if not roles:
            found.append(f"{where}: no role may fire it (roles is empty)")
        for kind, table in (("guards", registry.guards), ("data_guards", registry.guards),
                            ("effects", registry.effects), ("prepare", registry.hooks),
                            ("before", registry.hooks), ("after", registry.hooks)):
            for name in _names(t.get(kind), f"{where} {kind}", found):
                if name not in table:
                    label = {"data_guards": "guard", "guards": "guard", "effects": "effect"}.get(kind, "hook")
                    found.append(f"{where}: unknown {label} {name!r} (registered: "
                                 f"{', '.join(sorted(table)) or 'none'})")
        schema = t.get("data_schema")
        if isinstance(schema, str) and schema not in registry.schemas:
            found.append(f"{where}: unknown data schema {schema!r}")
        elif schema is not None and not isinstance(schema, (str, dict)):
            found.append(f"{where}: data_schema must be a registered name or a JSON schema")
        for flag in ("comment_required", "owner_only"):
            if flag in t and not isinstance(t[flag], bool):
                found.append(f"{where}: {flag} must be true or false")
        if t.get("owner_only") and owner is None:
            found.append(f"{where}: owner_only needs the document's 'owner' rule")
    initial = doc.get("initial")
    if isinstance(initial, str) and initial in edges:
        seen, queue = {initial}, deque([initial])
        while queue:
            for nxt in edges[queue.popleft()]:
                if nxt not in seen:
                    seen.add(nxt)
                    queue.append(nxt)
        for s in states:
            if s not in seen:
                found.append(f"state {s!r} is unreachable from {initial!r}")
    for s in states:
        if not (edges.get(s, set()) - {s}) and s not in finals:
            found.append(f"state {s!r} is a dead end (no transition leaves it) but is not declared final")
        # A final state may still be left (e.g. disqualifying an award): final means "a life may end here".
    return found


def load_definition(doc: Any, registry: Registry, *, source: Optional[str] = None) -> Workflow:
    """Build a :class:`Workflow` from a parsed document, a JSON text or a YAML text; raises
    :class:`DefinitionError` with every problem found."""
    text = None
    if isinstance(doc, (str, bytes)):
        text = doc.decode("utf-8") if isinstance(doc, bytes) else doc
        doc = _parse(text)
    name = doc.get("name", "?") if isinstance(doc, dict) else "?"
    found = problems(doc, registry)
    if found:
        raise DefinitionError(str(name), found)
    tr = registry.translate
    states = [{"name": e} if isinstance(e, str) else e for e in doc["states"]]
    transitions = []
    for t in doc["transitions"]:
        schema = t.get("data_schema")
        transitions.append(Transition(
            t["trigger"], tuple(_listify(t["from"])), t["to"], roles=tuple(_listify(t.get("roles"))),
            guards=tuple(registry.guards[g] for g in _listify(t.get("guards"))),
            data_guards=tuple(registry.guards[g] for g in _listify(t.get("data_guards"))),
            effects=tuple(registry.effects[e] for e in _listify(t.get("effects"))),
            prepare=tuple(registry.hooks[h] for h in _listify(t.get("prepare"))),
            before=tuple(registry.hooks[h] for h in _listify(t.get("before"))),
            after=tuple(registry.hooks[h] for h in _listify(t.get("after"))),
            comment_required=bool(t.get("comment_required", False)),
            data_schema=registry.schemas[schema] if isinstance(schema, str) else schema,
            owner_only=bool(t.get("owner_only", False)),
            label=tr(t["label"]) if t.get("label") else None,
        ))
    wf = Workflow(
        doc["name"], states=[s["name"] for s in states], initial=doc["initial"], transitions=transitions,
        view_menu=doc.get("view_menu"),
        state_labels={s["name"]: tr(s["label"]) for s in states if s.get("label")},
        state_styles={s["name"]: s["style"] for s in states if s.get("style")},
        is_owner=registry.owners[doc["owner"]] if doc.get("owner") else None,
        on_enter={s["name"]: [registry.hooks[h] for h in _listify(s.get("on_enter"))] for s in states
                  if s.get("on_enter")},
        on_exit={s["name"]: [registry.hooks[h] for h in _listify(s.get("on_exit"))] for s in states
                 if s.get("on_exit")},
        final_states=[s["name"] for s in states if s.get("final")],
    )
    wf.document = doc  # type: ignore[attr-defined]
    wf.source_text = text  # type: ignore[attr-defined]
    wf.source = source  # type: ignore[attr-defined]
    return wf


def _parse(text: str):
    stripped = text.lstrip()
    if stripped.startswith("{"):
        try:
            return json.loads(text)
        except json.JSONDecodeError as err:
            raise DefinitionError("?", [f"not valid JSON: {err}"]) from None
    try:
        import yaml
    except ImportError:  # pragma: no cover - PyYAML comes with Flask-AppBuilder (apispec[yaml])
        raise DefinitionError("?", ["YAML needs PyYAML (pip install pyyaml); JSON needs nothing"]) from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as err:
        raise DefinitionError("?", [f"not valid YAML: {err}"]) from None


def load_file(path, registry: Registry) -> Workflow:
    """Load a ``.yaml``/``.yml``/``.json`` definition file."""
    path = pathlib.Path(path)
    return load_definition(path.read_text(encoding="utf-8"), registry, source=path.name)
