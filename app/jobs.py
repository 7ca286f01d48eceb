"""Background jobs on huey (DESIGN §6) and the outbox's workers, wired per app by :func:`register` (called by
``create_app``): nothing is built or registered when this module is imported.

Each app gets its own huey instance from its own config (``app.extensions["huey"]``): Redis storage when
``REDIS_URL`` is set, else SQLite storage in ``SIKIPP_HUEY_FILE``. Consumers:

- ``huey_consumer app.jobs.huey`` (Redis; any host, as many as wanted): ``app.jobs.huey`` is built lazily from
  a worker app (``create_app()`` with the environment's config) the first time the consumer asks for it;
- ``python run.py`` without ``REDIS_URL`` runs an embedded consumer thread on the served app
  (:func:`start_embedded_consumer`).

Tasks: ``issue_certificates`` (a signed decree's missing certificates), ``deliver_outbox`` (claim and deliver
due outbox messages; enqueued when a commit wakes the outbox), ``retry_outbox`` (the same, every minute:
retries after backoff, expired leases, wakes that were lost) and ``recover`` (the recovery sweep of
``app/services/recovery.py``: queued when a consumer starts, and every ``SIKIPP_RECOVERY_MINUTES`` as
``recover_periodic``) and ``remind_sustainability`` (daily: the units' sustainability reminders). The decree's ``sign`` transition records an
``issue_certificates`` outbox message; a worker delivers it by enqueueing the certificate job — so a crash
between commit and enqueue leaves a pending message, not a lost job.

``SIKIPP_JOBS_MODE``: ``queue`` (default) — a commit wakes the outbox workers through huey and jobs go to
huey; ``eager`` — single-process setups: the outbox is delivered (claimed first, like a worker) in-process
right after commit and jobs run in-process; ``manual`` — nothing automatic (the default under ``TESTING``:
tests drive delivery with ``workflows.outbox.deliver_pending``, or the CLI ``kipp issue-certificates``).
"""
import gc
import logging
import os
import threading

from flask import current_app
from huey import RedisHuey, SqliteHuey, crontab
from huey.constants import EmptyData
from huey.signals import SIGNAL_ERROR

from workflows import outbox

log = logging.getLogger(__name__)

EXTENSION = "sikipp.jobs"
WAKE_KEY = "sikipp-outbox-wake"  # set while a deliver_outbox run is queued and has not started yet


def make_huey(redis_url=None, filename=None, name="sikipp", connect_timeout=5.0):
    if redis_url:  # a bounded connect: an unreachable Redis host fails fast instead of hanging a request's wake
        from redis import ConnectionPool

        return RedisHuey(name, connection_pool=ConnectionPool.from_url(redis_url,
                                                                       socket_connect_timeout=connect_timeout))
    os.makedirs(os.path.dirname(os.path.abspath(filename)), exist_ok=True)
    return SqliteHuey(name, filename=filename)


def jobs_mode(app_config):
    mode = app_config.get("SIKIPP_JOBS_MODE")
    if mode:
        return mode
    return "manual" if app_config.get("TESTING") else "queue"


class Jobs:
    """One app's job queue and its tasks (the tasks open the app's context; a consumer needs no other app)."""

    def __init__(self, app, queue):
        self.app = app
        self.huey = queue
        self.issue_certificates = queue.task(retries=3, retry_delay=30, name="issue_certificates")(
            self._issue_certificates)
        self.deliver_outbox = queue.task(name="deliver_outbox")(self._deliver_outbox)
        self.retry_outbox = queue.periodic_task(crontab(minute="*"), name="retry_outbox")(self._deliver_outbox)
        minutes = max(1, min(59, int(app.config.get("SIKIPP_RECOVERY_MINUTES") or 5)))
        self.recover = queue.task(name="recover")(self._recover)
        self.recover_periodic = queue.periodic_task(crontab(minute=f"*/{minutes}"), name="recover_periodic")(
            self._recover)
        # Monitoring (issue 12): units are reminded of missing sustainability statuses every morning (00:30 UTC,
        # 07:30 WIB); the command skips a unit already reminded that day, so a rerun never piles them up.
        self.remind_sustainability = queue.periodic_task(crontab(minute="30", hour="0"),
                                                         name="remind_sustainability")(self._remind_sustainability)
        queue.on_startup()(self._fresh_connections)
        queue.on_startup()(self._recover_at_start)
        queue.signal(SIGNAL_ERROR)(self._log_failure)

    @staticmethod
    def _log_failure(_signal, task, exc=None, *_args, **_kwargs):
        """Every failed job run is logged (name, id, arguments, the error and its traceback); huey retries it if
        the task has retries left."""
        log.error("job failed: %s id=%s args=%s retries_left=%s: %s: %s", task.name, task.id, task.args,
                  task.retries, type(exc).__name__, exc, exc_info=exc if isinstance(exc, BaseException) else None)

    def _fresh_connections(self):
        """Each consumer worker starts with its own database connections (process workers are forked from a
        parent whose pool may hold connections: a socket must never be shared across processes)."""
        with self.app.app_context():
            from app.extensions import db

            db.engine.dispose(close=False)

    def _recover_at_start(self):
        """A consumer starting (after a crash, a deploy, a kill -9) queues one recovery sweep: what a killed
        worker left half-done (a certificate job huey had already dequeued) is completed without waiting for
        the periodic run. (Each worker of the consumer queues one; the sweep is idempotent.)"""
        try:
            self.recover()
        except Exception:  # the queue itself is down: the periodic run catches up
            log.exception("could not queue the recovery sweep at consumer start")

    def _recover(self):
        """The recovery sweep (``app/services/recovery.py``): orphan files, then missing certificates."""
        with self.app.app_context():
            from app.commands import certificates
            from app.extensions import db

            try:
                return certificates.recover(db.session, self.app.config)
            finally:
                db.session.remove()

    def _remind_sustainability(self):
        """Notify the units whose awarded innovations lack this year's sustainability status."""
        with self.app.app_context():
            from app.commands.registry import RemindSustainability
            from app.extensions import db

            try:
                return RemindSustainability(None).run()
            finally:
                db.session.remove()

    def _issue_certificates(self, decree_id):
        """Issue the missing certificates of a signed decree (idempotent; reruns complete only what is missing)."""
        with self.app.app_context():
            from app.extensions import db

            try:
                return run_issue_certificates(decree_id)
            finally:
                db.session.remove()

    def _deliver_outbox(self):
        """Claim and deliver the due outbox messages (mail, certificate jobs) in this app's own session."""
        with self.app.app_context():
            from app.extensions import db

            self.huey.get(WAKE_KEY)  # consume the wake: a commit from now on wakes a new run
            try:
                return outbox.deliver_pending(db.session)
            finally:
                db.session.remove()

    def wake_outbox(self):
        """Enqueue one ``deliver_outbox`` run unless one is already queued and not started: a run that has not
        consumed the wake key yet will claim after this commit, so it sees the new messages (a bulk fire of
        1,000 rows costs a key look-up per row, not 1,000 tasks)."""
        if self.huey.storage.peek_data(WAKE_KEY) is not EmptyData:
            return
        if self.huey.put_if_empty(WAKE_KEY, "1"):
            self.deliver_outbox()


def register(app):
    """Build ``app``'s job queue from its config, its tasks and its outbox (handlers and waker)."""
    from app.services import notifications

    cfg = app.config
    queue = make_huey(cfg.get("REDIS_URL"), cfg.get("SIKIPP_HUEY_FILE"), name=cfg["SIKIPP_HUEY_NAME"],
                      connect_timeout=float(cfg.get("SIKIPP_REDIS_TIMEOUT_SECONDS", 2)))
    jobs = Jobs(app, queue)
    app.extensions["huey"] = queue
    app.extensions[EXTENSION] = jobs

    box = outbox.Outbox(max_attempts=int(cfg["SIKIPP_OUTBOX_MAX_ATTEMPTS"]),
                        lease_seconds=float(cfg["SIKIPP_OUTBOX_LEASE_SECONDS"]),
                        backoff_seconds=float(cfg["SIKIPP_OUTBOX_BACKOFF_SECONDS"]),
                        backoff_max_seconds=float(cfg["SIKIPP_OUTBOX_BACKOFF_MAX_SECONDS"]),
                        batch_size=int(cfg["SIKIPP_OUTBOX_BATCH_SIZE"]),
                        waker=lambda: _wake(app))
    box.register_handler("mail", notifications.send_mail)
    box.register_handler("issue_certificates", enqueue_certificates)
    box.init_app(app)
    return jobs


def _wake(app):
    """The outbox's waker: what a commit that recorded messages does, by ``SIKIPP_JOBS_MODE``."""
    mode = jobs_mode(app.config)
    if mode == "queue":
        app.extensions[EXTENSION].wake_outbox()
    elif mode == "eager":  # single process: deliver now, in this thread, claiming like any worker
        from app.extensions import db

        outbox.deliver_pending(db.session, outbox.current(app))


def queue(app=None):
    """The :class:`Jobs` of ``app`` (default: the current app)."""
    return (app or current_app).extensions[EXTENSION]


def issue_certificates_task(decree_id):
    """Hand a decree's certificates to the current app's job queue."""
    return queue().issue_certificates(decree_id)


def run_issue_certificates(decree_id, progress_callback=None):
    """Issue the missing certificates now, in this process (inside an app context)."""
    from app.commands import certificates
    from app.extensions import db

    return certificates.issue_missing(db.session, decree_id, current_app.config, progress_callback=progress_callback)


try:  # what an unreachable Redis raises (redis' errors do not derive from OSError)
    from redis.exceptions import RedisError as _RedisError

    QUEUE_UNREACHABLE: tuple[type[BaseException], ...] = (OSError, _RedisError)
except ImportError:  # pragma: no cover - redis is a pinned requirement
    QUEUE_UNREACHABLE = (OSError,)


def request_certificates(decree_id):
    """The doors' way to start issuing a signed decree's missing certificates (API, documents screen).

    ``queue`` mode hands the job to huey; when the queue cannot be reached (Redis down) the request is recorded
    as an ``issue_certificates`` outbox message instead, which a worker delivers once the queue answers again
    (``retry_outbox`` runs every minute), and a warning is logged: the door answers as usual, never a 500.
    Other modes issue in this process. Returns ``"queued"``, ``"recorded"`` or ``"issued"``."""
    from app.extensions import db

    if jobs_mode(current_app.config) != "queue":
        run_issue_certificates(decree_id)
        return "issued"
    try:
        issue_certificates_task(decree_id)
        return "queued"
    except QUEUE_UNREACHABLE as err:
        log.warning("job queue unreachable (%s: %s): certificates of decree %s recorded in the outbox for later "
                    "delivery", type(err).__name__, err, decree_id)
        db.session.rollback()
        outbox.record(db.session, "issue_certificates", {"decree_id": int(decree_id)})
        db.session.commit()
        return "recorded"


def enqueue_certificates(payload):
    """Outbox handler of ``issue_certificates``: hand the decree's certificates to the job queue."""
    decree_id = int(payload["decree_id"])
    mode = jobs_mode(current_app.config)
    if mode == "eager":
        run_issue_certificates(decree_id)
    elif mode == "queue":
        issue_certificates_task(decree_id)


_app = None
_app_lock = threading.Lock()


def _worker_app():
    """The Flask app of a consumer process started by ``huey_consumer app.jobs.huey`` (created once)."""
    global _app
    with _app_lock:
        if _app is None:
            from app import create_app

            if not os.environ.get("SECRET_KEY"):
                os.environ.setdefault("SIKIPP_DEV", "1")  # workers sign no cookies
            _app = create_app()
            freeze_long_lived()
        return _app


def __getattr__(name):
    """``app.jobs.huey``: the worker app's huey, built on first access (``huey_consumer app.jobs.huey``)."""
    if name == "huey":
        return queue(_worker_app()).huey
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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


def start_embedded_consumer(app, workers=1):
    """Run a huey consumer on ``app``'s queue in this process's threads (``python run.py`` without REDIS_URL)."""
    if app.config.get("REDIS_URL"):
        return None
    consumer = queue(app).huey.create_consumer(workers=workers, worker_type="thread", periodic=True)
    consumer._set_signal_handlers = lambda: None  # the web server keeps its own Ctrl+C handling
    consumer.start()
    log.info("embedded job consumer started (%s)", app.config.get("SIKIPP_HUEY_FILE"))
    return consumer
