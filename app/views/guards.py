"""Request guards for every door (DESIGN §4, §8): input no database can store or no route can use is
refused before any view runs, the same way for screens, APIs, FAB's security views and public pages.

- NUL characters (PostgreSQL refuses them in text) or unpaired surrogates (not UTF-8) anywhere in the path,
  the query string, a form, a file name or a JSON body → 400 (a page, or JSON under ``/api/``; a body field
  sent to an API: 422 naming the field);
- ids in the URL that no row can have (beyond the database's INTEGER, not a number where a primary key is
  expected) → 404;
- FAB's action and download routes: an unknown action, a row id that is no id, any download → 404;
- FAB list parameters: ``page_<View>`` / ``psize_<View>`` that are not small non-negative numbers, and
  ``_oc_<View>`` naming a column that view cannot order by → 400 (FAB passed them on: 500s).
"""
import re

from flask import abort, current_app, jsonify, render_template, request
from flask_babel import gettext as _
from sqlalchemy.exc import DataError, DBAPIError, StatementError

from app.extensions import db

DB_INT_MAX = 2**31 - 1  # the database's INTEGER (every id column)
MAX_PAGE = 100_000
MAX_PAGE_SIZE = 500
_LIST_ARG = re.compile(r"^(page|psize|_oc)_(.+)$")
_FILTER_ARG = re.compile(r"^_flt_(\d)_(.*)$")


def is_db_id(value):
    """A positive integer (or its decimal digits) that fits the database's INTEGER."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return 0 < value <= DB_INT_MAX
    return isinstance(value, str) and value.isascii() and value.isdigit() and 0 < int(value) <= DB_INT_MAX


def unstorable(text):
    """True for text a database column cannot hold: a NUL character, or anything that is not UTF-8."""
    if "\x00" in text:
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _json_strings(value, key="_body"):
    """(field name, text) pairs of every string (keys included) in a JSON document."""
    if isinstance(value, str):
        yield key, value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield str(k), str(k)
            yield from _json_strings(v, str(k))
    elif isinstance(value, list):
        for v in value:
            yield from _json_strings(v, key)


def _request_strings():
    """(field name or None, text) of everything the request carries that may reach the database; the field
    is None for the URL (path and query string), named for a form or JSON body."""
    yield None, request.path
    for key, values in request.args.lists():
        for text in (key, *values):
            yield None, text
    if request.method in ("POST", "PUT", "PATCH", "DELETE"):
        if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
            for key, values in request.form.lists():
                for text in (key, *values):
                    yield key, text
            for key, storage in request.files.items(multi=True):
                yield key, storage.filename or ""
        elif request.is_json:
            body = request.get_json(silent=True)
            if body is not None:
                yield from _json_strings(body)


def _wants_json():
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def bad_input(message, status=400, field=None):
    """The answer to input no view may take: JSON for APIs (422 naming the field), a page elsewhere."""
    if _wants_json():
        response = jsonify(message={field: [message]} if field else message)
        response.status_code = 422 if field else status
        return response
    appbuilder = current_app.appbuilder
    html = render_template("errors/bad_input.html", message=message, appbuilder=appbuilder,
                           base_template=appbuilder.base_template)
    return html, status


def not_found():
    if request.path.startswith("/api/"):
        response = jsonify(message=_("Not found"))
        response.status_code = 404
        return response
    abort(404)


def reject_unstorable_input():
    for field, text in _request_strings():
        if unstorable(text):  # a body field: 422 naming it (APIs); the URL: 400
            return bad_input(_("Text must not contain NUL characters or invalid characters."), field=field)
    return None


def reject_impossible_ids():
    for key, value in (request.view_args or {}).items():
        if isinstance(value, int) and not isinstance(value, bool) and not is_db_id(value):
            return not_found()
        if key == "pk" and isinstance(value, str) and not is_db_id(value):
            return not_found()
    return None


def _order_columns_of(view_name):
    """The columns a list of the view class ``view_name`` can be ordered by (None: no such view)."""
    for view in current_app.appbuilder.baseviews:
        if view.__class__.__name__ == view_name and hasattr(view, "order_columns"):
            return view.order_columns
    return None


def reject_bad_list_args():
    if request.path.startswith("/api/"):  # FAB's screen arguments only (APIs take rison ``q``)
        return None
    view = _view_of_endpoint()
    filters = getattr(getattr(view, "_filters", None), "_all_filters", None) or {}
    for key, value in request.args.items():
        flt = _FILTER_ARG.match(key)
        if flt and int(flt.group(1)) >= len(filters.get(flt.group(2), [None] * 10)):
            return bad_input(_("Unknown filter."))
        match = _LIST_ARG.match(key)
        if not match:
            continue
        kind, view_name = match.groups()
        if kind in ("page", "psize"):
            low, high = (0, MAX_PAGE) if kind == "page" else (1, MAX_PAGE_SIZE)
            if not (value.isascii() and value.isdigit() and low <= int(value) <= high):
                return bad_input(_("Unknown page or page size."))
        else:
            columns = _order_columns_of(view_name)
            if columns is not None and value not in columns:
                return bad_input(_("This list cannot be sorted by \"%(column)s\".", column=value[:60]))
    return None


def _view_of_endpoint():
    name = (request.endpoint or "").rsplit(".", 1)[0]
    for view in current_app.appbuilder.baseviews:
        if view.endpoint == name:
            return view
    return None


def reject_unknown_actions():
    """FAB's ``/action/<name>/<pk>``, ``/action_post`` and ``/download/<filename>`` on every ModelView (the
    security views included): an action the view does not have, row ids that are not ids, any download are a
    404 (FAB raised → 500)."""
    method = (request.endpoint or "").rsplit(".", 1)[-1]
    if method not in ("action", "action_post", "download"):
        return None
    view = _view_of_endpoint()
    if view is None:
        return None
    if method == "download":  # FAB's upload folder: SIKIPP keeps no files there (it raised KeyError → 500)
        return not_found()
    actions = getattr(view, "actions", None) or {}
    if method == "action":
        name = (request.view_args or {}).get("name")
        return None if name in actions else not_found()
    if request.method != "POST" or request.form.get("action") not in actions:
        return not_found()
    if not all(is_db_id(pk) for pk in request.form.getlist("rowid")):
        return not_found()
    return None


def value_does_not_fit(err):
    """Last net for the screens (FAB's own views included): a value the database refuses for its column
    (text for a number or a date, a number beyond INTEGER: DataError on PostgreSQL, OverflowError on SQLite,
    a type processor's error) is a 400, not a 500. Other database errors stay errors."""
    if isinstance(err, DBAPIError) and not isinstance(err, DataError):
        raise err
    db.session.rollback()
    return bad_input(_("A value does not fit its field."))


def register(app):
    """Run the guards before every request (first: before login throttling reads the body)."""
    for guard in (reject_unstorable_input, reject_impossible_ids, reject_bad_list_args, reject_unknown_actions):
        app.before_request(guard)
    app.register_error_handler(StatementError, value_does_not_fit)
    app.register_error_handler(OverflowError, value_does_not_fit)
