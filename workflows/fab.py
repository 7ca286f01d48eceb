"""Flask-AppBuilder integration of the workflow engine (generic: no competition knowledge).

- :class:`FabAuthorizer`: a trigger is fired by roles holding ``can_<trigger>`` on the workflow's view
  menu, so an Admin re-maps who may fire what in FAB's Security screens.
- :class:`WorkflowApiMixin`: the four workflow endpoints on a ``ModelRestApi``.
- :class:`WorkflowViewMixin`: state badge, transition buttons with comment dialog, history timeline, the
  workflow's diagram with the record's state highlighted, and bulk actions (with confirmation) on a
  ``ModelView``. Its template and script ship with the package (blueprint ``fab_workflows``, registered on
  the app by the first workflow view, or explicitly with :func:`init_app`).
"""
import shutil
from typing import TYPE_CHECKING, Any, Optional

from flask import Blueprint, abort, current_app, flash, g, redirect, request, url_for
from flask_appbuilder import expose, has_access
from flask_appbuilder.actions import ActionItem
from flask_appbuilder.api import safe
from flask_appbuilder.security.decorators import permission_name, protect
from markupsafe import Markup, escape

from workflows.engine import Authorizer, WorkflowError, _

__all__ = [
    "FabAuthorizer", "WorkflowApiMixin", "WorkflowFireHook", "WorkflowViewMixin", "history_row", "history_rows",
    "init_app", "state_badge",
]

BLUEPRINT = "fab_workflows"


def init_app(app) -> None:
    """Register the package's templates (``workflows/show.html``) and static files (``workflows/workflows.js``)
    on ``app`` (idempotent; the app's own ``templates/workflows/…`` still override them)."""
    if BLUEPRINT not in app.blueprints:
        app.register_blueprint(Blueprint(BLUEPRINT, __name__, template_folder="templates", static_folder="static",
                                         static_url_path="/static/fab_workflows"))

if TYPE_CHECKING:  # the mixins' hosts: what type checkers should read `self` as
    from flask_appbuilder import ModelView as _ViewHost
    from flask_appbuilder.api import ModelRestApi as _ApiHost
else:
    _ViewHost = _ApiHost = object


class FabAuthorizer(Authorizer):
    def has_permission(self, user, perm, view_menu):
        if user is None or not getattr(user, "is_authenticated", False):
            return False
        sm = current_app.appbuilder.sm  # type: ignore[attr-defined]  # set by AppBuilder.init_app
        return sm.exist_permission_on_roles(view_menu, perm, [r.id for r in user.roles])


def _iso(dt):
    return dt.isoformat() + "Z" if dt is not None else None


def history_row(h):
    return {"trigger": h.trigger, "source": h.source, "dest": h.dest, "user": h.username, "at": _iso(h.at),
            "comment": h.comment, "data": h.data}


def history_rows(workflow, session, pk):
    return [history_row(h) for h in workflow.history(session, pk)]


def _body_type_problems(body):
    """{field: [message]} when a transition body's ``comment`` is not text or its ``data`` not an object."""
    problems = {}
    if body.get("comment") is not None and not isinstance(body.get("comment"), str):
        problems["comment"] = [_("Must be text.")]
    if body.get("data") is not None and not isinstance(body.get("data"), dict):
        problems["data"] = [_("Must be an object.")]
    return problems


def _session():
    return current_app.appbuilder.session  # type: ignore[attr-defined]


class WorkflowFireHook:
    """The one place the screens and the API fire a transition (every door, single and bulk)."""

    workflow: Any = None

    def wf_fire(self, pk, trigger, comment=None, data=None, visible=None):
        """Fire one transition for the current user (hook: an application routes it through its command
        layer). Raises ``WorkflowError``; returns the updated row."""
        return self.workflow.fire(_session(), pk, trigger, g.user, comment=comment, data=data, visible=visible)


class WorkflowApiMixin(WorkflowFireHook, _ApiHost):
    """Adds, for ``workflow`` (a bound Workflow): transitions, fire, bulk fire and history endpoints."""

    workflow: Any = None

    def _wf_visible(self, pk):
        return self.datamodel.get(pk, self._base_filters)

    def _wf_body(self):
        body = request.get_json(silent=True) if request.data else {}
        if request.data and body is None:
            return None
        return body if isinstance(body, dict) else None

    @expose("/<int:pk>/transitions", methods=["GET"])
    @protect()
    @safe
    @permission_name("get")
    def transitions(self, pk):
        """Transitions available from the current state, with whether this user may fire them and why not.
        ---
        get:
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          responses:
            200:
              description: Current state and available transitions
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      state: {type: string}
                      available:
                        type: array
                        items:
                          type: object
                          properties:
                            trigger: {type: string}
                            target: {type: string}
                            allowed: {type: boolean}
                            reason: {type: string, nullable: true}
            401: {$ref: '#/components/responses/401'}
            404: {$ref: '#/components/responses/404'}
        """
        item = self._wf_visible(pk)
        if item is None:
            return self.response_404()
        wf = self.workflow
        return self.response(200, state=getattr(item, wf.state_attr),
                             available=wf.available(_session(), item, g.user))

    @expose("/<int:pk>/transitions/<trigger>", methods=["POST"])
    @protect()
    @safe
    @permission_name("get")
    def fire(self, pk, trigger):
        """Fire a transition.
        ---
        post:
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          - {in: path, name: trigger, required: true, schema: {type: string}}
          requestBody:
            content:
              application/json:
                schema:
                  type: object
                  properties:
                    comment: {type: string}
                    data: {type: object}
          responses:
            200:
              description: The new state
              content:
                application/json:
                  schema: {type: object, properties: {state: {type: string}}}
            400: {$ref: '#/components/responses/400'}
            401: {$ref: '#/components/responses/401'}
            403: {$ref: '#/components/responses/403'}
            404: {$ref: '#/components/responses/404'}
            409:
              description: Not possible from this state, or a guard failed (the message says why)
            422: {$ref: '#/components/responses/422'}
        """
        body = self._wf_body()
        if body is None:
            return self.response_400(message=_("The request body must be a JSON object"))
        problems = _body_type_problems(body)
        if problems:
            return self.response_422(message=problems)
        comment = body.get("comment")
        try:
            obj = self.wf_fire(pk, trigger, comment=comment, data=body.get("data"),
                               visible=lambda o: self._wf_visible(pk) is not None)
        except WorkflowError as err:
            return self.response(err.status, message=err.message)
        return self.response(200, state=getattr(obj, self.workflow.state_attr))

    @expose("/transitions/<trigger>", methods=["POST"])
    @protect()
    @safe
    @permission_name("get")
    def fire_bulk(self, trigger):
        """Fire a transition on several rows; each id succeeds or fails on its own.
        ---
        post:
          parameters:
          - {in: path, name: trigger, required: true, schema: {type: string}}
          requestBody:
            content:
              application/json:
                schema:
                  type: object
                  required: [ids]
                  properties:
                    ids: {type: array, items: {type: integer}}
                    comment: {type: string}
                    data: {type: object}
          responses:
            200:
              description: Per-id results
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      result:
                        type: array
                        items:
                          type: object
                          properties:
                            id: {type: integer}
                            ok: {type: boolean}
                            status: {type: integer}
                            state: {type: string}
                            message: {type: string}
            400: {$ref: '#/components/responses/400'}
            401: {$ref: '#/components/responses/401'}
            422: {$ref: '#/components/responses/422'}
        """
        body = self._wf_body()
        if body is None:
            return self.response_400(message=_("The request body must be a JSON object"))
        ids = body.get("ids")
        if (not isinstance(ids, list) or not ids or len(ids) > 1000
                or not all(isinstance(i, int) and not isinstance(i, bool) for i in ids)):
            return self.response_422(message={"ids": [_("A list of 1 to 1000 integer ids is required.")]})
        problems = _body_type_problems(body)  # typed once for all ids: never a per-row error for the body's shape
        if problems:
            return self.response_422(message=problems)
        try:
            self.workflow.transition(trigger)
        except WorkflowError as err:
            return self.response(err.status, message=err.message)
        comment, data = body.get("comment"), body.get("data")
        results = self.workflow.fire_many(
            _session(), ids, trigger, g.user, comment=comment, data=data,
            fire=lambda pk: self.wf_fire(pk, trigger, comment=comment, data=data,
                                         visible=lambda o: self._wf_visible(o.id) is not None),
        )
        return self.response(200, result=results)

    @expose("/<int:pk>/history", methods=["GET"])
    @protect()
    @safe
    @permission_name("get")
    def history(self, pk):
        """The append-only transition history of a row.
        ---
        get:
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          responses:
            200:
              description: History, oldest first
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      result:
                        type: array
                        items:
                          type: object
                          properties:
                            trigger: {type: string}
                            source: {type: string}
                            dest: {type: string}
                            user: {type: string}
                            at: {type: string, format: date-time}
                            comment: {type: string, nullable: true}
            401: {$ref: '#/components/responses/401'}
            404: {$ref: '#/components/responses/404'}
        """
        if self._wf_visible(pk) is None:
            return self.response_404()
        return self.response(200, result=history_rows(self.workflow, _session(), pk))


def state_badge(workflow, state):
    return Markup('<span class="label label-{style} wf-state wf-state-{s}">{label}</span>').format(
        style=escape(workflow.state_styles.get(state, "default")), s=escape(state), label=workflow.label(state))


_DIAGRAMS: dict = {}


def _locale() -> str:
    try:
        from flask_babel import get_locale

        return str(get_locale() or "")
    except Exception:  # outside a request
        return ""


def diagram_markup(workflow, state) -> Optional[Markup]:
    """Inline SVG of ``workflow`` with ``state`` highlighted (labels in the user's language); None without
    Graphviz (the ``graphviz`` package and its ``dot`` program: ``pip install fab-workflows[diagrams]``)."""
    key = (id(workflow), state, _locale())
    if key not in _DIAGRAMS:
        try:
            import graphviz  # noqa: F401
        except ImportError:
            return None
        if shutil.which("dot") is None:
            return None
        svg = workflow.diagram_svg(current=state).decode("utf-8")
        _DIAGRAMS[key] = Markup(svg[svg.find("<svg"):])  # drop the XML prolog and DOCTYPE
    return _DIAGRAMS[key]


class _Actions(dict):
    """A view's actions for FAB's list widget: never falsy, so an empty set is not replaced by all actions."""

    def __bool__(self):
        return True


FIELD_DEFAULTS = {"type": "checkbox", "required": False, "value": None, "help": None, "min": None, "step": None,
                  "placeholder": None}


class WorkflowViewMixin(WorkflowFireHook, _ViewHost):
    """State badge, transition buttons, history and bulk actions on a FAB ModelView."""

    workflow: Any = None
    show_template = "workflows/show.html"
    # Triggers shown in the danger style (a bulk action's menu entry and the row's button): those that
    # reject, withdraw, return, revoke or delete something.
    wf_danger_triggers: tuple = ()

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.method_permission_name = dict(getattr(self, "method_permission_name", None) or {})
        for t in self.workflow.transitions.values():
            name = f"wf_{t.trigger}"

            def run(items, _trigger=t.trigger):
                return self._wf_bulk(_trigger, items)

            run.__name__ = name
            confirmation = _("Perform \"%(label)s\" on every selected row?", label=t.label or t.trigger)
            icon = "fa-ban text-danger wf-danger" if t.trigger in self.wf_danger_triggers else "fa-random"
            self.actions[name] = ActionItem(name, t.label or t.trigger, confirmation, icon, True, False, run)
            # The row-by-row trigger permission is checked by the engine; the action itself needs read.
            self.method_permission_name[name] = "read"

    def create_blueprint(self, appbuilder, *args, **kwargs):
        try:
            app = current_app._get_current_object()  # type: ignore[attr-defined]
        except RuntimeError:  # no app context: the AppBuilder's own app
            app = appbuilder.app
        init_app(app)
        return super().create_blueprint(appbuilder, *args, **kwargs)

    def wf_may_fire(self, trigger):
        """Whether the current user's roles hold the trigger's permission (rows may still refuse it)."""
        t = self.workflow.transitions.get(trigger)
        return t is not None and self.workflow.authorizer.has_permission(g.user, t.permission_name,
                                                                         self.workflow.view_menu)

    def wf_actions_for_user(self):
        """The view's actions without the workflow triggers this user's roles may never fire."""
        return _Actions({name: action for name, action in self.actions.items()
                         if not (name.startswith("wf_") and name[3:] in self.workflow.transitions)
                         or self.wf_may_fire(name[3:])})

    def _get_list_widget(self, filters, actions=None, **kwargs):
        return super()._get_list_widget(filters, actions=actions or self.wf_actions_for_user(), **kwargs)

    def wf_list_url(self):
        """Where a bulk action returns: the list it came from (same host, this view's list), else the list."""
        from urllib.parse import urlsplit

        target = request.referrer or ""
        parts = urlsplit(target)
        list_path = url_for(f"{self.endpoint}.list")
        if parts.netloc == request.host and parts.path == list_path:
            return parts.path + (f"?{parts.query}" if parts.query else "")
        return list_path

    def _wf_visible(self, pk):
        return self.datamodel.get(pk, self._base_filters)

    # -- hooks for the concrete view ---------------------------------------------------
    def wf_form_fields(self, trigger, item):
        """Fields shown in the trigger's form, each a dict: ``name``, ``label``, ``type`` (``checkbox``
        (default), ``text`` or ``number``), ``required``, and optionally ``value`` (pre-filled), ``help``,
        ``min``, ``step``, ``placeholder``."""
        return []

    def wf_data_from_form(self, trigger, form):
        """The ``data`` sent with a trigger fired from the screen."""
        return {}

    def wf_bulk_data(self, trigger, form):
        """The ``data`` sent with a bulk action (its form carries only the row ids and a comment)."""
        return {}

    def wf_notices(self, item):
        """Messages shown above the record: [(bootstrap level, text)]."""
        return []

    def wf_diagram(self, item) -> Optional[Markup]:
        """The workflow's diagram (inline SVG) with the record's state highlighted, or None when Graphviz is not
        installed. Drawn once per workflow, state and locale (a pure function of the definition)."""
        return diagram_markup(self.workflow, getattr(item, self.workflow.state_attr))

    def wf_item_history(self, item):
        """The row's history, read once per request (the timeline and ``wf_notices`` both use it)."""
        current = request._get_current_object()  # type: ignore[attr-defined]  # werkzeug LocalProxy
        cache = g.get("_wf_history")
        if cache is None or cache[0] is not current:
            cache = (current, {})
            g._wf_history = cache
        key = (self.workflow.name, item.id)
        if key not in cache[1]:
            cache[1][key] = self.workflow.history(_session(), item.id)
        return cache[1][key]

    def wf_format_time(self, dt):
        """How the history shows a (UTC) time; override for a local time zone."""
        return dt.strftime("%Y-%m-%d %H:%M UTC")

    def _wf_bulk(self, trigger, items):
        comment = request.form.get("wf_comment")
        ids = [i.id for i in items if i is not None]
        data = self.wf_bulk_data(trigger, request.form)
        results = self.workflow.fire_many(
            _session(), ids, trigger, g.user, comment=comment, data=data,
            fire=lambda pk: self.wf_fire(pk, trigger, comment=comment, data=data,
                                         visible=lambda o: self._wf_visible(o.id) is not None))
        names = {i.id: str(i) for i in items if i is not None}
        done = [r for r in results if r["ok"]]
        if done:
            flash(_("%(label)s done for %(n)s row(s): %(rows)s", label=self.workflow.transition(trigger).label
                    or trigger, n=len(done), rows="; ".join(f"#{r['id']} {names.get(r['id'], '')}".strip()
                                                             for r in done)), "success")
        for r in results:
            if not r["ok"]:
                flash(_("#%(id)s %(name)s: not done: %(message)s", id=r["id"], name=names.get(r["id"], ""),
                        message=r["message"]), "danger")
        return redirect(self.wf_list_url())

    @expose("/show/<pk>", methods=["GET"])
    @has_access
    def show(self, pk):
        pk = self._deserialize_pk_if_composite(pk)
        item = self._wf_visible(pk)
        if item is None:
            abort(404)
        widgets = self._show(pk)
        wf = self.workflow
        available = wf.available(_session(), item, g.user)
        return self.render_template(
            self.show_template, pk=pk, title=self.show_title, widgets=widgets, related_views=self._related_views,
            wf_state=getattr(item, wf.state_attr), wf_state_label=wf.label(getattr(item, wf.state_attr)),
            wf_state_style=wf.state_styles.get(getattr(item, wf.state_attr), "primary"),
            wf_available=available,
            wf_history=[{**history_row(h), "at_display": self.wf_format_time(h.at),
                         "trigger_label": (wf.transitions[h.trigger].label or h.trigger)
                         if h.trigger in wf.transitions else h.trigger}
                        for h in self.wf_item_history(item)],
            wf_danger=self.wf_danger_triggers,
            wf_labels=wf.state_labels,
            wf_fire_endpoint=f"{self.endpoint}.fire_view",
            # Only the forms of the buttons shown: a field's default may cost queries (e.g. a proposed rank).
            wf_fields={t["trigger"]: [{**FIELD_DEFAULTS, **f} for f in self.wf_form_fields(t["trigger"], item)]
                       for t in available if t["allowed"]},
            wf_notices=self.wf_notices(item),
            wf_diagram=self.wf_diagram(item),
        )

    @expose("/fire/<int:pk>/<trigger>", methods=["POST"])
    @has_access
    def fire_view(self, pk, trigger):
        try:
            obj = self.wf_fire(pk, trigger, comment=request.form.get("comment"),
                               data=self.wf_data_from_form(trigger, request.form),
                               visible=lambda o: self._wf_visible(pk) is not None)
            flash(_("Done: the state is now \"%(state)s\".",
                    state=self.workflow.label(getattr(obj, self.workflow.state_attr))), "success")
        except WorkflowError as err:
            if err.status == 404:
                abort(404)
            flash(err.message, "danger")
        if self._wf_visible(pk) is None:  # e.g. a queue view whose filter the row has just left
            return redirect(url_for(f"{self.endpoint}.list"))
        return redirect(url_for(f"{self.endpoint}.show", pk=pk))
