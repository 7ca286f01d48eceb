"""Background jobs on huey (DESIGN §6): SQLite storage under the instance directory by default, Redis
storage when ``REDIS_URL`` is set (consumers then run as separate processes on any host:
``huey_consumer app.jobs.huey``). ``python run.py`` starts an embedded consumer thread when there is no
``REDIS_URL`` (:func:`start_embedded_consumer`).

Jobs are thin: they open an app context and call a service. The decree's ``sign`` transition records an
outbox message (same transaction); once committed, the outbox handler below enqueues the certificate job —
so a crash between commit and enqueue leaves a pending message for the periodic retry, not a lost job.

``SIKIPP_JOBS_MODE``: ``queue`` (default) enqueues on huey; ``eager`` runs the job in the process right
after commit (single-process setups, tests); ``manual`` does nothing automatically (the default under
``TESTING``: tests drive issuing themselves, or the CLI ``kipp issue-certificates``).
"""
import gc
import logging
import os
import threading

from flask import current_app, has_app_context
from huey import RedisHuey, SqliteHuey, crontab

import config as settings
from workflows import outbox

log = logging.getLogger(__name__)


def make_huey(redis_url=None, filename=None):
    if redis_url:
        return RedisHuey("sikipp", url=redis_url)
    os.makedirs(os.path.dirname(os.path.abspath(filename)), exist_ok=True)
    return SqliteHuey("sikipp", filename=filename)


huey = make_huey(settings.REDIS_URL, settings.SIKIPP_HUEY_FILE)

_app = None
_app_lock = threading.Lock()


def _worker_app():
    """The Flask app of a consumer process (created once per process)."""
    global _app
    with _app_lock:
        if _app is None:
            from app import create_app

            if not os.environ.get("SECRET_KEY"):
                os.environ.setdefault("SIKIPP_DEV", "1")  # workers sign no cookies
            _app = create_app()
            freeze_long_lived()
        return _app


def freeze_long_lived():
    """Move what is alive now (the app, its models and mappers, the imported modules, the signing libraries:
    ~250,000 objects) out of the cyclic garbage collector's generations, once a worker's app is built.

    Rendering allocates many objects, so full collections run every few documents, and each one traversed the
    whole long-lived heap again: ~5 % of a certificate's time. Frozen objects are still freed by reference
    counting; only cycles among them are never collected, and they live as long as the process anyway.
    Done where jobs run on an app of their own (``_worker_app``), not in tests, where apps come and go.
    """
    from app.services.documents import signing

    signing.preload()
    gc.collect()
    gc.freeze()


class _context:
    """Use the current app context (eager mode, tests) or open one on the worker's app."""

    def __enter__(self):
        self._ctx = None
        if not has_app_context():
            self._ctx = _worker_app().app_context()
            self._ctx.push()
        return current_app

    def __exit__(self, *exc):
        from app.extensions import db

        if self._ctx is not None:
            db.session.remove()
            self._ctx.pop()


def run_issue_certificates(decree_id, progress_callback=None):
    from app.extensions import db
    from app.services.documents import issuing

    with _context() as app:
        return issuing.issue_missing(db.session, decree_id, app.config, progress_callback=progress_callback)


@huey.task(retries=3, retry_delay=30)
def issue_certificates_task(decree_id):
    """Issue the missing certificates of a signed decree (idempotent; reruns complete only what is missing)."""
    return run_issue_certificates(decree_id)


@huey.periodic_task(crontab(minute="*/5"))
def retry_outbox():
    """Deliver outbox messages whose first delivery failed (mail, certificate jobs)."""
    from app.extensions import db

    with _context():
        return outbox.deliver_pending(db.session)


def jobs_mode(app_config):
    mode = app_config.get("SIKIPP_JOBS_MODE")
    if mode:
        return mode
    return "manual" if app_config.get("TESTING") else "queue"


def enqueue_certificates(payload):
    """Outbox handler of ``issue_certificates``: hand the decree's certificates to the job queue."""
    decree_id = int(payload["decree_id"])
    mode = jobs_mode(current_app.config)
    if mode == "eager":
        run_issue_certificates(decree_id)
    elif mode == "queue":
        issue_certificates_task(decree_id)


outbox.register_handler("issue_certificates", enqueue_certificates)


def start_embedded_consumer(workers=1):
    """Run a huey consumer in this process's threads (``python run.py`` without REDIS_URL)."""
    if settings.REDIS_URL:
        return None
    consumer = huey.create_consumer(workers=workers, worker_type="thread", periodic=True)
    consumer._set_signal_handlers = lambda: None  # the web server keeps its own Ctrl+C handling
    consumer.start()
    log.info("embedded job consumer started (%s)", settings.SIKIPP_HUEY_FILE)
    return consumer
