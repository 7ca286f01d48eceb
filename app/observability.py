"""Operations (issue 13): logging configured at app start and one log line per request.

- :func:`configure_logging`: the root logger gets one handler (stderr) at ``SIKIPP_LOG_LEVEL``; with
  ``SIKIPP_LOG_JSON=1`` every line is one JSON object (``ts``, ``level``, ``logger``, ``message``, the request id
  and any structured fields), else plain text. Every record made while a request runs carries its request id.
- :func:`init_request_log`: each request gets an id (a sane incoming ``X-Request-ID`` is kept, else a new one),
  returned in the ``X-Request-ID`` header; after the answer one line on the ``sikipp.request`` logger with
  ``request_id``, ``user``, ``method``, ``path``, ``status``, ``duration_ms`` (and ``remote_addr``, the client
  after ProxyFix). The query string is never logged (it may carry search terms).
"""
import datetime
import json
import logging
import re
import sys
import time
import uuid

from flask import g, has_request_context, request

REQUEST_FIELDS = ("request_id", "user", "method", "path", "status", "duration_ms", "remote_addr")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
request_log = logging.getLogger("sikipp.request")


class RequestIdFilter(logging.Filter):
    """Adds the current request's id to every record (``-`` outside a request)."""

    def filter(self, record):
        if not hasattr(record, "request_id"):
            record.request_id = g.get("request_id", "-") if has_request_context() else "-"
        return True


_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "request_id"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, request id, structured fields."""

    def format(self, record):
        entry = {
            "ts": datetime.datetime.fromtimestamp(record.created, datetime.timezone.utc).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value if isinstance(value, (str, int, float, bool, type(None))) else str(value)
        if record.exc_info:
            entry["exc_info"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"


def configure_logging(app):
    """Install (or re-configure) the one SIKIPP handler on the root logger, level and format from ``app``."""
    root = logging.getLogger()
    handler = next((h for h in root.handlers if getattr(h, "_sikipp", False)), None)
    if handler is None:
        handler = logging.StreamHandler(sys.stderr)
        handler._sikipp = True
        handler.addFilter(RequestIdFilter())
        root.addHandler(handler)
    handler.setFormatter(JsonFormatter() if app.config.get("SIKIPP_LOG_JSON") else logging.Formatter(TEXT_FORMAT))
    level = logging.getLevelName(str(app.config.get("SIKIPP_LOG_LEVEL", "INFO")).upper())
    root.setLevel(level if isinstance(level, int) else logging.INFO)
    # The `transitions` library logs every callback of every fire at INFO (five lines per transition): that is
    # debugging detail, and at INFO it cost more than the fire itself (bench/bench_transitions.py). Our own
    # history and audit log record each fire; its lines show at DEBUG (SIKIPP_LOG_LEVEL=DEBUG).
    logging.getLogger("transitions").setLevel(logging.DEBUG if root.level <= logging.DEBUG else logging.WARNING)
    # Flask's own logger propagates to the root handler instead of printing twice.
    app.logger.handlers.clear()
    app.logger.propagate = True


def _start_request():
    incoming = request.headers.get("X-Request-ID", "")
    g.request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
    g.request_started = time.perf_counter()


def _username():
    user = g.get("user")
    if user is None:
        from flask_login import current_user

        user = current_user if getattr(current_user, "is_authenticated", False) else None
    return getattr(user, "username", None) or "-"


def _log_request(response):
    request_id = g.get("request_id") or uuid.uuid4().hex
    response.headers["X-Request-ID"] = request_id
    started = g.get("request_started")
    duration_ms = round((time.perf_counter() - started) * 1000, 1) if started is not None else None
    try:
        user = _username()
    except Exception:  # the user's row cannot be loaded (database down): the line is still written
        user = "?"
    fields = {"request_id": request_id, "user": user, "method": request.method, "path": request.path,
              "status": response.status_code, "duration_ms": duration_ms, "remote_addr": request.remote_addr}
    request_log.info("%s %s %s %s ms user=%s", request.method, request.path, response.status_code, duration_ms,
                     user, extra=fields)
    return response


def init_request_log(app):
    app.before_request_funcs.setdefault(None, []).insert(0, _start_request)  # first: guards may answer early
    app.after_request(_log_request)
