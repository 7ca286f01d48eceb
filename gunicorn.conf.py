"""Production server settings: ``gunicorn -c gunicorn.conf.py run:app`` (README, "Production"; DESIGN §6).

Every setting comes from the environment, like the app's own (``config.py``):

- ``SIKIPP_BIND``: the address(es) to listen on, comma-separated (``0.0.0.0:8080``, ``unix:/run/sikipp.sock``);
  default ``127.0.0.1:$PORT`` (``PORT`` default 8080, as ``python run.py``). Loopback by default: a client that
  can reach gunicorn directly, around the reverse proxy, could forge the X-Forwarded-* headers the app trusts
  with ``SIKIPP_TRUSTED_PROXY_HOPS``. Bind a public address only where a firewall lets the proxy alone in.
- ``WEB_CONCURRENCY``: worker processes (the de-facto standard name, also read by gunicorn itself); default
  2 × CPUs + 1, at most 8 (a worker holds 150–200 MB after large pages, issue 14).
- ``SIKIPP_THREADS``: threads per worker (default 1: the sync worker; more selects the gthread worker).
- ``SIKIPP_WORKER_TIMEOUT`` (default 60 s: signing a decree with its annex runs in the request; certificates
  go to the job workers), ``SIKIPP_GRACEFUL_TIMEOUT`` (30 s), ``SIKIPP_KEEPALIVE`` (5 s, behind a proxy),
  ``SIKIPP_MAX_REQUESTS`` (a worker is replaced after this many requests, ±10 % so they do not all restart at
  once; default 5000, 0 = never), ``SIKIPP_CONTROL_SOCKET`` (a path: gunicorn's control socket; default off).

Logging: gunicorn's own access log is off; the app writes one line per request itself (``sikipp.request``:
request id, user, method, path, status, duration, client address after ProxyFix; ``app/observability.py``),
in the app's format (``SIKIPP_LOG_JSON=1``: one JSON object per line). gunicorn's error log (start, worker
boots, timeouts, crashes) goes through the same handler once the app is loaded (:class:`AppLogger`).
"""
import gc
import os

from gunicorn.glogging import Logger


def _int(name, default):
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def _cpus():
    try:
        return len(os.sched_getaffinity(0))  # the CPUs this process may run on (containers, taskset)
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


bind = [b.strip() for b in os.environ.get("SIKIPP_BIND", "").split(",") if b.strip()] or \
    [f"127.0.0.1:{_int('PORT', 8080)}"]
workers = _int("WEB_CONCURRENCY", min(2 * _cpus() + 1, 8))
threads = _int("SIKIPP_THREADS", 1)
worker_class = "gthread" if threads > 1 else "sync"
timeout = _int("SIKIPP_WORKER_TIMEOUT", 60)
graceful_timeout = _int("SIKIPP_GRACEFUL_TIMEOUT", 30)
keepalive = _int("SIKIPP_KEEPALIVE", 5)
max_requests = _int("SIKIPP_MAX_REQUESTS", 5000)
max_requests_jitter = max_requests // 10
# gunicorn's runtime control socket (``gunicornc``) defaults to one path per user: a second instance on the same
# host (two hosts' worth of processes in the multi-host test, a blue/green deploy) would take it over. Off
# unless SIKIPP_CONTROL_SOCKET names a path for this instance.
control_socket_disable = not os.environ.get("SIKIPP_CONTROL_SOCKET")
if os.environ.get("SIKIPP_CONTROL_SOCKET"):
    control_socket = os.environ["SIKIPP_CONTROL_SOCKET"]
if os.path.isdir("/dev/shm"):  # the workers' heartbeat files: in memory, never stalled by a slow disk
    worker_tmp_dir = "/dev/shm"

# The app is imported and built once, in the master, before the workers are forked: they share its pages
# (copy-on-write) instead of each importing FAB, SQLAlchemy, WeasyPrint and pyHanko again, and a broken
# configuration (no SECRET_KEY, a bad paper size) stops the master at start instead of every worker in a loop.
preload_app = True

# One source of truth for the client's scheme and address: the app's ProxyFix, set by
# SIKIPP_TRUSTED_PROXY_HOPS. gunicorn would otherwise also rewrite the scheme from X-Forwarded-Proto for
# requests from 127.0.0.1, whatever the number of proxies the operator declared.
secure_scheme_headers: dict = {}
forwarded_allow_ips = ""

accesslog = None  # the app's request log is the access log (see above)
errorlog = "-"
loglevel = os.environ.get("SIKIPP_LOG_LEVEL", "info").lower()


class AppLogger(Logger):
    """gunicorn's error log through the app's root handler (same format, JSON or text, same stream) once the
    app has configured it; before that (the app not loaded yet) gunicorn's own stderr handler."""

    def setup(self, cfg):
        super().setup(cfg)
        import logging

        if any(getattr(h, "_sikipp", False) for h in logging.getLogger().handlers):
            for handler in [h for h in self.error_log.handlers if getattr(h, "_gunicorn", False)]:
                self.error_log.removeHandler(handler)
            self.error_log.propagate = True


logger_class = AppLogger


def _flask_app(server):
    app = server.app.wsgi()  # loaded already (preload_app): run:app, the Flask app itself
    return app


def on_starting(server):
    """In the master, once the app is loaded (preload_app): its logging is configured now, so gunicorn's error log
    goes through it from here on (only gunicorn's first line, "Starting gunicorn", came before)."""
    server.log.setup(server.cfg)


def when_ready(server):
    """In the master, after the app is loaded and before the first worker is forked."""
    app = _flask_app(server)
    with app.app_context():
        from app.extensions import db

        # Start-up ran queries (roles and permissions): the master's pooled connections must not be inherited,
        # or two workers would talk over one socket. The master never queries again.
        db.session.remove()
        db.engine.dispose()

    from app.jobs import freeze_long_lived

    # Move everything alive now (~250,000 objects: the app, FAB's views, the models and mappers, the imported
    # modules, the signing libraries, preloaded here too) out of the cyclic garbage collector's generations.
    # Issue 14 measured full collections of 110-170 ms, 1.7-3.3 per large page, each one traversing this whole
    # long-lived heap again; gc.freeze() cut the HTML list by 39 % and participation by 37 %. Frozen objects are
    # still freed by reference counting (only cycles among them are kept, and they live as long as the process).
    # It also keeps the pages shared: a collection writes into every object it traverses, which would copy each
    # page of the master's heap into every worker. Done once here, inherited by every worker forked later
    # (including those replaced after max_requests).
    freeze_long_lived()
    server.log.info("app loaded and frozen: %d objects out of the garbage collector's reach", gc.get_freeze_count())


def post_fork(server, worker):
    """In each new worker: its own database connections (the pool is empty after when_ready; this also covers a
    master that queried again, e.g. after a reload)."""
    app = _flask_app(server)
    with app.app_context():
        from app.extensions import db

        db.engine.dispose(close=False)  # drop inherited pooled connections without closing the master's sockets
