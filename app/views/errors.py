"""Error pages in the app's layout and language (DESIGN §9): 400, 403, 404, 405, 413, 500 as an Indonesian page
with the navigation bar for a browser; ``{"message": ...}`` JSON under ``/api/`` (and for a client that asks
for JSON), as the API's own errors. Also the favicon's fixed address and the page language in templates."""
import logging

from flask import current_app, jsonify, render_template, send_from_directory
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException, InternalServerError

from app.extensions import db
from app.views.guards import _wants_json

log = logging.getLogger(__name__)

ERRORS = {
    400: (_l("The request cannot be processed"), _l("The request is incomplete or malformed.")),
    403: (_l("Access denied"), _l("You do not have permission to open this page.")),
    404: (_l("Page not found"), _l("The page or record does not exist, or it is not visible to you.")),
    405: (_l("Method not allowed"), _l("This address does not accept this kind of request.")),
    413: (_l("The upload is too large"), _l("The file or form sent is larger than the server accepts.")),
    500: (_l("Something went wrong"), _l("The server could not complete the request. Please try again; if it "
                                         "happens again, tell the operator.")),
}

MINIMAL_PAGE = ('<!DOCTYPE html><html lang="id"><head><meta charset="utf-8"><title>{title}</title></head>'
                '<body><h1>{title}</h1><p>{text}</p><p><a href="/">Beranda</a></p></body></html>')


def error_page(err):
    """The answer to an HTTP error ``err`` (an HTTPException; anything else counts as a 500)."""
    if not isinstance(err, HTTPException):
        log.exception("Unhandled error", exc_info=err)
        err = InternalServerError()
    status = err.code or 500
    if status >= 500:
        db.session.rollback()
    title, text = ERRORS.get(status, (err.name, err.description))
    if _wants_json():
        response = jsonify(message=str(title) if status != 400 else (err.description or str(title)))
        response.status_code = status
        return response
    try:
        appbuilder = current_app.appbuilder
        html = render_template("errors/error.html", status=status, title=title, text=text, appbuilder=appbuilder,
                               base_template=appbuilder.base_template)
    except Exception:  # the layout itself failed (e.g. the database is down): still an Indonesian page
        log.exception("Error page could not be rendered in the layout")
        db.session.rollback()
        html = MINIMAL_PAGE.format(title=str(title), text=str(text))
    response = current_app.make_response((html, status))
    if status == 405 and getattr(err, "valid_methods", None):
        response.headers["Allow"] = ", ".join(err.valid_methods)
    return response


def html_lang():
    """``<html lang>``: the selected locale's language ("id" by default)."""
    try:
        locale = get_locale()
    except Exception:  # outside a request
        locale = None
    return {"html_lang": locale.language if locale is not None else "id"}


def favicon():
    return send_from_directory(current_app.static_folder, "favicon.ico", mimetype="image/vnd.microsoft.icon",
                               max_age=86400)


def register(app):
    for status in ERRORS:
        app.register_error_handler(status, error_page)
    app.context_processor(html_lang)
    app.add_url_rule("/favicon.ico", "favicon", favicon)
