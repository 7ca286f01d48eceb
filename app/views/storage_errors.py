"""The safety net for storage failures (DESIGN §6) on any route that does not map them itself: a
:class:`StorageError` (disk full, read-only, permission, I/O, object store down) answers its status
(507 writing, 503 reading) with ``{"message": ...}`` under ``/api/``, and a flashed message with a redirect
back on screens — never a 500. (FAB's ``@safe`` API methods catch everything first: they map it themselves.)"""
from flask import flash, jsonify, redirect, request

from app.services.storage import StorageError


def handle_storage_error(err):
    from app.extensions import db

    db.session.rollback()
    if request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json":
        response = jsonify(message=err.message)
        response.status_code = err.status
        return response
    flash(err.message, "danger")
    target = request.referrer if request.referrer and request.referrer.startswith(request.host_url) else None
    return redirect(target or "/")


def register(app):
    app.register_error_handler(StorageError, handle_storage_error)
