"""A database that cannot be reached (restarting, down, connections cut) answers 503 with Retry-After, never a
500 (issue 13, DESIGN §4): JSON ``{"message": ...}`` for APIs and JSON clients, the app's error page otherwise.

Two ways in, because Flask-AppBuilder's API decorator ``@safe`` turns every exception into its own 500 answer:
an error handler for SQLAlchemy's ``OperationalError``/``InterfaceError`` (screens, blueprints), and an engine
``handle_error`` listener that marks the request when the database connection failed, so that any 500 of that
request becomes the 503. Requests succeed again as soon as the database answers (``pool_pre_ping`` replaces
the pool's dead connections); the app is not restarted.
"""
import logging

from flask import g, has_request_context, jsonify, render_template, request
from flask_babel import gettext as _
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import InterfaceError, OperationalError

from app.extensions import db

log = logging.getLogger(__name__)
RETRY_AFTER_SECONDS = 5
_FLAG = "sikipp_db_unavailable"


def _connection_failed(context):
    original = context.original_exception
    if context.is_disconnect:
        return True
    name = type(original).__name__
    module = type(original).__module__
    if module.startswith("sqlite3"):  # SQLite's lock held longer than busy_timeout: busy, not broken
        return name == "OperationalError" and "locked" in str(original)
    # psycopg's OperationalError (refused, terminated, starting up, shutting down) and InterfaceError
    return module.startswith("psycopg") and name in ("OperationalError", "InterfaceError", "AdminShutdown",
                                                      "CannotConnectNow", "ConnectionTimeout")


@event.listens_for(Engine, "handle_error")
def _mark_request(context):
    if has_request_context() and _connection_failed(context):
        g.setdefault(_FLAG, True)


def _wants_json():
    if request.path.startswith("/api/") or request.path == "/healthz":
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def unavailable_response():
    message = _("The database is not available at the moment; please try again in a few seconds.")
    try:
        db.session.rollback()
    except Exception:  # the session's connection is gone: nothing to roll back
        pass
    if _wants_json():
        response = jsonify(message=message)
    else:
        try:
            from flask import current_app

            appbuilder = current_app.appbuilder
            html = render_template("errors/bad_input.html", message=message, appbuilder=appbuilder,
                                   base_template=appbuilder.base_template)
        except Exception:  # the layout itself needs the database (menus, user): a plain page
            html = f"<!doctype html><html lang=\"id\"><title>503</title><p>{message}</p></html>"
        response = current_app.response_class(html, mimetype="text/html")
    response.status_code = 503
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def on_database_error(err):
    if isinstance(err, OperationalError) and not getattr(g, _FLAG, False) and "locked" in str(err.orig):
        log.warning("database busy: %s", err.orig)  # SQLite's writer lock held too long
    else:
        log.warning("database unavailable: %s: %s", type(err.orig).__name__, str(err.orig).splitlines()[0]
                    if str(err.orig) else "")
    return unavailable_response()


def convert_500(response):
    """A 500 made while the database connection failed (e.g. FAB's ``@safe`` APIs) is a 503."""
    if response.status_code == 500 and g.get(_FLAG):
        log.warning("answering 503 instead of 500: the database connection failed during %s %s",
                    request.method, request.path)
        return unavailable_response()
    return response


def end_session_safely(_exc):
    """End the request's session before Flask-SQLAlchemy's own teardown (teardowns run in reverse order of
    registration). Its rollback on a connection the server has just cut (a restart between the answer and the
    end of the request) raised out of the teardown, and the server turned the already-made answer — a 200 or
    the 503 — into a bare 500. SQLAlchemy invalidates such a connection; the pool replaces it."""
    try:
        db.session.remove()
    except (OperationalError, InterfaceError) as err:
        log.warning("database connection lost while ending the request: %s", type(err.orig).__name__)
        db.session.registry.clear()


def register(app):
    app.register_error_handler(OperationalError, on_database_error)
    app.register_error_handler(InterfaceError, on_database_error)
    app.after_request(convert_500)
    app.teardown_appcontext(end_session_safely)
