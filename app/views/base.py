"""The shared base of SIKIPP's FAB ModelViews: FAB's generated paths closed the same way as the API.

- filter dropdowns of the search form and related-field choices of add/edit forms list only the rows the
  user may see (the row rules of app.services.access, as the API's base filters);
- ``/action/<name>/<pk>`` and ``/action_post`` answer 404 for an unknown action, an action that is not
  offered there (bulk-only workflow triggers) or a row outside the user's rows (FAB read it without the row
  filter); missing rows flash a message;
- ``/download/<filename>`` (FAB's upload folder: SIKIPP stores no files there) answers 404;
- filter arguments a column cannot take (``_flt_…`` text for a number, an unknown filter index) answer 400;
  prefilled relations (``/add?_flt_0_<relation>=<id>``) take only a visible row.
Malformed ids, page/order arguments and NUL characters are refused for every view by app.views.guards.
"""
from decimal import Decimal

from flask import abort, flash, g, make_response, redirect, request, url_for
from flask_appbuilder import ModelView, expose
from flask_appbuilder.const import FLAMSG_ERR_SEC_ACCESS_DENIED
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError as SchemaError
from marshmallow import validate
from sqlalchemy.exc import DataError, ProgrammingError, StatementError
from wtforms.validators import ValidationError

from app.api.base import METHOD_PERMISSIONS, EagerListInterface, related_row_rules
from app.extensions import db
from app.services import access
from app.views import formatting
from app.views.guards import bad_input, is_db_id

# What bad list arguments raise inside FAB (an index beyond the column's filters, text for a number, a
# number beyond INTEGER, …): answered 400, never 500.
BAD_ARGUMENT_ERRORS = (IndexError, ValueError, TypeError, OverflowError, DataError, ProgrammingError,
                       StatementError)


def request_memo(key, factory):
    """``factory()`` computed once per request under ``key`` (kept on ``flask.g`` tagged with the request object,
    so never reused by another request, even one sharing an outer app context)."""
    current = request._get_current_object()
    cache = g.get("_sikipp_memo")
    if cache is None or cache[0] is not current:
        cache = (current, {})
        g._sikipp_memo = cache
    if key not in cache[1]:
        cache[1][key] = factory()
    return cache[1][key]


class GuardedModelView(ModelView):
    method_permission_name = METHOD_PERMISSIONS

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        # Every listed or shown column reads as a person would write it (app/views/formatting.py).
        self.formatters_columns = formatting.default_formatters(self)
        if isinstance(self.datamodel, EagerListInterface):  # the list's relations read with its rows
            self.datamodel.eager_relations = self.datamodel.eager_relations | {
                c for c in self.list_columns if self.datamodel.is_relation_many_to_one(c)}

    # -- related choices: the user's rows only ----------------------------------------------------
    def _init_forms(self):
        self.search_form_query_rel_fields = related_row_rules(self.datamodel, self.search_columns,
                                                              self.search_form_query_rel_fields)
        self.add_form_query_rel_fields = related_row_rules(self.datamodel, self.add_columns,
                                                           self.add_form_query_rel_fields)
        self.edit_form_query_rel_fields = related_row_rules(self.datamodel, self.edit_columns,
                                                            self.edit_form_query_rel_fields)
        super()._init_forms()

    def _visible_related(self, column, value):
        """The related row ``value`` of ``column`` if the user may see it (None otherwise)."""
        if isinstance(value, (list, tuple)):
            value = value[0] if value else None
        if not self.datamodel.is_relation(column) or not is_db_id(value):
            return None
        model = self.datamodel.get_related_model(column)
        query = db.session.query(model).filter(model.id == int(value))
        criterion = access.criterion_for_model(model)
        if criterion is not None:
            query = query.filter(criterion(g.user))
        return query.one_or_none()

    def _fill_form_exclude_cols(self, exclude_cols, form):
        for column in exclude_cols:
            if hasattr(form, column):
                getattr(form, column).data = self._visible_related(column, self._filters.get_filter_value(column))

    # -- list/add/edit/show: arguments FAB cannot apply are a 400 ------------------------------------
    def _guarded(self, func, *args, **kwargs):
        try:
            return func(*args, **kwargs)
        except BAD_ARGUMENT_ERRORS:
            db.session.rollback()
            abort(make_response(bad_input(_("A filter value does not fit its column."))))

    def _list(self, **kwargs):
        return self._guarded(super()._list, **kwargs)

    def _show(self, pk):
        return self._guarded(self._show_once, pk)

    # Relations the show page reads, loaded with the row in its one query (no lazy load per column).
    show_eager: tuple = ()

    def visible_item(self, pk):
        """The row ``pk`` if the user may see it (the base filters), read ONCE per request with ``show_eager``:
        the show page, its workflow panel and the view's own context all ask for it (issue 14: four SELECTs of
        the same row). GET only: a write reads the row afresh."""
        def load():
            from sqlalchemy.orm import joinedload, selectinload

            filters = self._base_filters.copy()
            filters.add_filter(self.datamodel.get_pk_name(), self.datamodel.FilterEqual, pk)
            query = db.session.query(self.datamodel.obj)
            for name in self.show_eager:
                relation = getattr(self.datamodel.obj, name)
                query = query.options(selectinload(relation) if relation.property.uselist else joinedload(relation))
            return self.datamodel.apply_all(query, filters).one_or_none()

        if request.method != "GET":
            return load()
        return request_memo(("visible_item", self.endpoint, str(pk)), load)

    def _show_once(self, pk):
        """FAB's ``_show`` on the request's one read of the row."""
        from flask_appbuilder.urltools import get_order_args, get_page_args, get_page_size_args

        pages, page_sizes, orders = get_page_args(), get_page_size_args(), get_order_args()
        item = self.visible_item(pk)
        if not item:
            abort(404)
        widgets = self._get_show_widget(pk, item)
        self.update_redirect()
        return self._get_related_views_widgets(item, orders=orders, pages=pages, page_sizes=page_sizes,
                                               widgets=widgets)

    def _add(self):
        return self._guarded(super()._add)

    def _edit(self, pk):
        return self._guarded(super()._edit, pk)

    # -- FAB's generic routes ------------------------------------------------------------------------
    @expose("/download/<string:filename>")
    def download(self, filename):
        abort(404)

    def _action_or_404(self, name, kind):
        action = self.actions.get(name) if isinstance(name, str) else None
        if action is None or not getattr(action, kind):
            abort(404)
        return action

    def _may_run(self, name):
        permission = self.get_action_permission_name(name)
        return self.appbuilder.sm.has_access(permission, self.class_permission_name)

    def _denied(self):
        flash(str(FLAMSG_ERR_SEC_ACCESS_DENIED), "danger")
        return redirect(self.get_redirect())

    @expose("/action/<string:name>/<pk>", methods=["GET", "POST"])
    def action(self, name, pk):
        """One row's action (from its page): only actions offered for single rows, only visible rows."""
        action = self._action_or_404(name, "single")
        if not self.is_get_mutation_allowed():
            return self._denied()
        if not self._may_run(name):
            return self._denied()
        item = self.datamodel.get(int(pk), self._base_filters) if is_db_id(pk) else None
        if item is None:
            abort(404)
        return action.func(item)

    @expose("/action_post", methods=["POST"])
    def action_post(self):
        """A bulk action on the rows ticked in a list: only rows the user may see reach the action."""
        name = request.form.get("action")
        action = self._action_or_404(name, "multiple")
        if not self._may_run(name):
            flash(str(FLAMSG_ERR_SEC_ACCESS_DENIED), "danger")
            return redirect(url_for(f"{self.endpoint}.list"))
        ids = {int(pk) for pk in request.form.getlist("rowid") if is_db_id(pk)}
        items = [item for item in (self.datamodel.get(pk, self._base_filters) for pk in sorted(ids))
                 if item is not None]
        if not items:
            flash(_("Select at least one row first."), "warning")
            return redirect(url_for(f"{self.endpoint}.list"))
        return action.func(items)


# -- the API's field bounds on the screens ----------------------------------------------------------------

class ApiRule:
    """A WTForms validator running one of the API's marshmallow validators: the same bounds on every door
    (e.g. a round's ``sequence`` 1..1000 on the screen as in ``POST /api/v1/round/``)."""

    def __init__(self, validator):
        self.validator = validator

    def __call__(self, form, field):
        value = field.data
        if value is None or value == "":
            return
        if isinstance(value, Decimal):
            if not value.is_finite():
                raise ValidationError(_l("Enter a finite number."))
            value = float(value)
        for part in getattr(self.validator, "parts", (self.validator,)):  # app.api.validators.plain: two rules
            try:
                part(value)
            except SchemaError as err:
                raise ValidationError(self.message(part, err)) from None

    def message(self, v=None, err=None):
        v = v or self.validator
        if isinstance(v, validate.Range):
            low, high = v.min, v.max
            if low is not None and high is not None:
                return _("Enter a number from %(min)s to %(max)s.", min=low, max=high)
            if low is not None:
                return (_("Enter a number of at least %(min)s.", min=low) if v.min_inclusive
                        else _("Enter a number greater than %(min)s.", min=low))
            return _("Enter a number of at most %(max)s.", max=high)
        if isinstance(v, validate.Length):
            if v.min:
                return _("Enter %(min)s to %(max)s characters.", min=v.min, max=v.max)
            return _("Enter at most %(max)s characters.", max=v.max)
        if getattr(v, "says_why", False) and err is not None and err.messages:
            return " ".join(str(m) for m in err.messages)  # already in the user's language
        return _("This value is not allowed.")


def api_rules(api_class, *columns):
    """``validators_columns`` for a ModelView from the API's: {column: [ApiRule]} for ``columns`` (default:
    every column the API validates)."""
    rules = {}
    for column, validators in (api_class.validators_columns or {}).items():
        if columns and column not in columns:
            continue
        validators = validators if isinstance(validators, (list, tuple)) else [validators]
        rules[column] = [ApiRule(v) for v in validators]
    return rules
