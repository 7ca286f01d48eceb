"""Public verification of issued documents (DESIGN §4): no login, no CSRF token.

- ``GET /verify/<code>``: the document behind a QR code (404 for an unknown code);
- ``POST /verify`` (multipart ``file``): is this exact PDF one we issued, intact and not revoked? Always 200
  with a verdict;
- ``GET /verify``: the upload form.
HTML for people; JSON (``{"valid", "document", "sha256", "state", …}``) when the client asks for
``application/json``.
"""
from flask import Blueprint, current_app, jsonify, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.extensions import csrf, db
from app.services.documents import verify

bp = Blueprint("verify", __name__)
MAX_UPLOAD_BYTES = 20 * 1024 * 1024


def wants_json():
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def _page(verdict, status=200, **extra):
    appbuilder = current_app.appbuilder
    return render_template("documents/verify.html", verdict=verdict, appbuilder=appbuilder,
                           base_template=appbuilder.base_template, max_mb=MAX_UPLOAD_BYTES // (1024 * 1024),
                           **extra), status


REASONS = {
    "ok": _l("The document is authentic, intact and valid."),
    "revoked": _l("The document was issued by us but has been revoked: it is no longer valid."),
    "unknown": _l("This file is not a document we issued, or it was changed after signing."),
    "not_pdf": _l("This file is not a PDF document."),
    "storage_damaged": _l("The stored copy of this document is damaged; contact the issuer."),
    "no_file": _l("No file was sent."),
    "too_large": _l("The file is too large."),
}


def reason_text(reason):
    return str(REASONS.get(reason, REASONS["unknown"]))


@bp.route("/verify", methods=["GET"])
def verify_form():
    if wants_json():
        return jsonify(message=_("POST a PDF file (multipart field \"file\") to this address.")), 200
    return _page(None)


@bp.route("/verify", methods=["POST"])
@csrf.exempt
def verify_upload():
    upload = request.files.get("file")
    if upload is None:
        verdict = {"valid": False, "document": None, "sha256": None, "state": None, "reason": "no_file"}
    else:
        data = upload.stream.read(MAX_UPLOAD_BYTES + 1)
        if len(data) > MAX_UPLOAD_BYTES:
            verdict = {"valid": False, "document": None, "sha256": None, "state": None, "reason": "too_large"}
        else:
            verdict = verify.by_file(db.session, data, current_app.config)
    verdict["message"] = reason_text(verdict["reason"])
    if wants_json():
        return jsonify(verdict), 200
    return _page(verdict, uploaded=True)


@bp.route("/verify/<code>", methods=["GET"])
def verify_code(code):
    verdict = verify.by_code(db.session, code, current_app.config)
    if verdict is None:
        if wants_json():
            return jsonify(message=_("Unknown verification code.")), 404
        return _page(None, 404, unknown_code=True)
    verdict["message"] = reason_text(verdict["reason"])
    if wants_json():
        return jsonify(verdict), 200
    return _page(verdict)
