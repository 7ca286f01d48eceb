"""A search-form filter on a large related table (the units: 12,500 in a province) as a searchable select
filled from the JSON API while the user types, instead of one ``<option>`` per row in every list page
(issue 14: 1.16 MB per page, 91 % of its render time).

The choices come from the related resource's own list endpoint (e.g. ``GET /api/v1/unit/`` with a
``name`` contains-filter, 20 per page): its base filters are the row rules of app.services.access, so an OPD
user is offered exactly the units it may already see. The page itself names only the unit(s) of the active
filter (one query, with the same row rule) so the chosen value stays selected. static/js/sikipp.js turns
``select.sikipp-ajax-select`` into a Select2 (Flask-AppBuilder's own, 4.0) with AJAX paging."""
import re

from flask import g, request
from markupsafe import Markup, escape
from wtforms import SelectField

from app.extensions import db
from app.services import access

_FILTER_ARG = re.compile(r"^_flt_\d+_(?P<col>\w+)$")


class AjaxSelectWidget:
    def __init__(self, endpoint, text_column="name", placeholder=""):
        self.endpoint = endpoint
        self.text_column = text_column
        self.placeholder = placeholder

    def __call__(self, field, **kwargs):
        options = "".join(f'<option value="{row.id}" selected>{escape(getattr(row, self.text_column))}</option>'
                          for row in field.active_rows())
        return Markup(
            '<select class="sikipp-ajax-select form-control" id="{id}" name="{name}" data-endpoint="{endpoint}" '
            'data-text-column="{text}" data-placeholder="{placeholder}">{options}</select>'
        ).format(id=field.id, name=field.name, endpoint=self.endpoint, text=self.text_column,
                 placeholder=str(self.placeholder), options=Markup(options))


class AjaxRelatedFilterField(SelectField):
    """The filter field of relation ``column`` to ``model``; validates nothing itself (FAB's relation filter
    applies the value, and the list's row rule still bounds the rows)."""

    def __init__(self, label, model, column, endpoint, text_column="name", **kwargs):
        kwargs.setdefault("widget", AjaxSelectWidget(endpoint, text_column, placeholder=label))
        super().__init__(label, choices=[], validate_choice=False, **kwargs)
        self.model, self.column = model, column

    def active_rows(self):
        """The related rows named by the request's active filters on this column, if the user may see them."""
        ids = set()
        for key, values in request.args.lists():
            match = _FILTER_ARG.match(key)
            if match and match.group("col") == self.column:
                ids.update(int(v) for v in values if v.isdigit() and len(v) < 10)
        if not ids:
            return []
        query = db.session.query(self.model).filter(self.model.id.in_(sorted(ids)))
        criterion = access.criterion_for_model(self.model)
        if criterion is not None:
            query = query.filter(criterion(g.user))
        return query.order_by(self.model.id).all()
