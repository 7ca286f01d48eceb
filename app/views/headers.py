"""Response headers on every answer (issue 13): baseline protections, a Content-Security-Policy without
inline script, HSTS over HTTPS, and no caching of JSON or documents.

- CSP: ``script-src 'self'`` plus a per-request nonce that only Flask-AppBuilder's own inline scripts carry
  (its templates call ``csp_nonce()``; SIKIPP's templates have no inline script or event handler attribute:
  their code is in ``static/js``). Inline ``style`` attributes stay allowed (FAB's widgets use them).
- HSTS when the request came over HTTPS (``request.is_secure``: behind a proxy, set
  ``SIKIPP_TRUSTED_PROXY_HOPS`` so X-Forwarded-Proto is believed).
- ``Cache-Control: no-store`` on JSON and on documents (PDF, XLSX, ZIP): they may hold personal data.
"""
import secrets

from flask import current_app, g, request

NO_STORE_TYPES = {
    "application/json", "application/pdf", "application/zip",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def csp_nonce():
    """The nonce of this request's inline scripts (made on first use)."""
    nonce = g.get("csp_nonce")
    if nonce is None:
        nonce = g.csp_nonce = secrets.token_urlsafe(16)
    return nonce


def content_security_policy(nonce=None):
    script = "'self'" + (f" 'nonce-{nonce}'" if nonce else "")
    return ("default-src 'self'; "
            f"script-src {script}; "
            "style-src 'self' 'unsafe-inline'; "
            "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; "
            "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'self'")


def security_headers(response):
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("Content-Security-Policy", content_security_policy(g.get("csp_nonce")))
    max_age = int(current_app.config.get("SIKIPP_HSTS_SECONDS", 0) or 0)
    if request.is_secure and max_age > 0:
        response.headers.setdefault("Strict-Transport-Security", f"max-age={max_age}; includeSubDomains")
    if response.mimetype in NO_STORE_TYPES:
        response.headers["Cache-Control"] = "no-store"  # an ETag (a signed document's sha256) may stay
        response.headers.pop("Expires", None)
    return response


def register(app):
    app.after_request(security_headers)
    app.jinja_env.globals["csp_nonce"] = csp_nonce
