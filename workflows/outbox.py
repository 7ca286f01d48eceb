"""The transactional outbox: side effects outside the database (mail, handing a job to a queue) are recorded
in the transition's own transaction and delivered by workers after commit. Generic: imports nothing from
``app/``; an application wires an :class:`Outbox` (handlers, waker, retry policy) onto each Flask app.

Delivery, exactly once per message while workers stay alive:

1. **Claim** (:func:`claim`): one conditional ``UPDATE … SET status='sending', claimed_by, claimed_at,
   lease_until, attempts=attempts+1 WHERE id IN (due ids … FOR UPDATE SKIP LOCKED) AND <still due>``,
   committed before anything is sent. Due = ``pending`` with ``next_attempt_at`` null or past, or
   ``sending`` whose lease has expired (its claimer crashed). PostgreSQL skips rows another claimer holds;
   SQLite serialises writers, and the repeated condition makes a second claimer find nothing.
2. **Deliver** each claimed message with its kind's handler, outside any transaction.
3. **Finish** with an UPDATE guarded by the claim (``status='sending' AND claimed_by=<this claim>``): ``sent``;
   or, after a failure, ``pending`` again with ``next_attempt_at`` = now + backoff (doubling), or ``failed``
   once ``max_attempts`` attempts are spent.

A request never delivers: after commit it may only *wake* the workers (:meth:`Outbox.wake`, the application's
``waker``: enqueue a queue task, or deliver in-process in single-process "eager" setups).
"""
import datetime
import logging
import os
import socket
import threading
import uuid

from flask import current_app
from sqlalchemy import and_, or_, select, update

from workflows.models import OutboxMessage, _utcnow

log = logging.getLogger(__name__)

__all__ = ["EXTENSION", "MAX_ATTEMPTS", "Outbox", "claim", "current", "deliver_one", "deliver_pending", "enqueue", "record",
           "worker_name"]

EXTENSION = "workflows.outbox"
MAX_ATTEMPTS = 5
_table = OutboxMessage.__table__


class Outbox:
    """The outbox of one Flask app: handlers per message kind, the waker and the retry policy."""

    def __init__(self, *, max_attempts=MAX_ATTEMPTS, lease_seconds=300, backoff_seconds=30.0,
                 backoff_max_seconds=3600.0, batch_size=20, waker=None):
        self.handlers = {}
        self.max_attempts = max_attempts
        self.lease_seconds = lease_seconds
        self.backoff_seconds = backoff_seconds
        self.backoff_max_seconds = backoff_max_seconds
        self.batch_size = batch_size
        self.waker = waker

    def init_app(self, app):
        app.extensions[EXTENSION] = self
        return self

    def register_handler(self, kind, handler):
        """``handler(payload)`` delivers one message of ``kind`` or raises (called inside an app context)."""
        self.handlers[kind] = handler

    def backoff(self, attempts):
        """Seconds to wait after the ``attempts``-th failed attempt: base, 2×base, 4×base … up to the cap."""
        return min(self.backoff_seconds * 2 ** max(attempts - 1, 0), self.backoff_max_seconds)

    def wake(self):
        """Tell the workers there is something to deliver (after a commit). Never raises."""
        if self.waker is None:
            return
        try:
            self.waker()
        except Exception:  # a queue that is down must not turn a committed transition into an error
            log.exception("could not wake the outbox workers; the periodic delivery will pick the message up")


def current(app=None):
    """The :class:`Outbox` of ``app`` (default: the current app), or None when none is wired."""
    return (app or current_app).extensions.get(EXTENSION)


def enqueue(ctx, kind, payload):
    """Record a message inside the transition (``ctx``: its session and after-commit hooks); once committed the
    workers are woken. Nothing is delivered in the caller's thread."""
    message = OutboxMessage(kind=kind, payload=payload, status="pending", attempts=0)
    ctx.session.add(message)
    ctx.session.flush()
    box = current()
    if box is not None and box.waker is not None:
        ctx.after_commit(box.wake)
    return message


def record(session, kind, payload):
    """Record a message outside a transition (e.g. a job a door could not hand to an unreachable queue): added to
    ``session``, delivered by the next worker run (periodic retries included); the caller commits."""
    message = OutboxMessage(kind=kind, payload=payload, status="pending", attempts=0)
    session.add(message)
    session.flush()
    return message


def worker_name():
    return f"{socket.gethostname()}:{os.getpid()}:{threading.current_thread().name}"[:100]


def _due(now):
    return or_(and_(_table.c.status == "pending",
                    or_(_table.c.next_attempt_at.is_(None), _table.c.next_attempt_at <= now)),
               and_(_table.c.status == "sending", _table.c.lease_until < now))


def claim(session, *, limit=20, lease_seconds=300, worker=None, now=None):
    """Claim up to ``limit`` due messages for this worker and commit the claim. Returns the claimed messages as
    dicts (id, kind, payload, attempts — already counting this one —, lease_until) and the claim's token."""
    now = now or _utcnow()
    lease_until = now + datetime.timedelta(seconds=lease_seconds)
    token = f"{worker or worker_name()}#{uuid.uuid4().hex[:16]}"
    # PostgreSQL: skip rows another claimer holds. The candidates are a MATERIALIZED CTE, computed once: as a
    # plain ``IN (subquery)`` the planner may re-run the locking subquery for each row the UPDATE scans, and
    # each re-run skips the rows this statement already updated and locks the next ones, so one claim of
    # ``limit=5`` took every due message (50 of 50) and left nothing for the other workers.
    candidates = (select(_table.c.id).where(_due(now)).order_by(_table.c.id).limit(limit)
                  .with_for_update(skip_locked=True).cte("claimable")
                  .prefix_with("MATERIALIZED", dialect="postgresql"))
    stmt = (update(_table).where(_table.c.id.in_(select(candidates.c.id)), _due(now))
            .values(status="sending", claimed_by=token, claimed_at=now,
                    lease_until=lease_until, attempts=_table.c.attempts + 1)
            .returning(_table.c.id, _table.c.kind, _table.c.payload, _table.c.attempts))
    try:
        rows = session.execute(stmt).all()
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return sorted(({"id": r.id, "kind": r.kind, "payload": r.payload, "attempts": r.attempts,
                    "lease_until": lease_until} for r in rows),
                  key=lambda m: m["id"]), token


def _finish(session, message_id, token, values):
    """Record the outcome, only if this claim still holds the message (its lease was not taken over)."""
    try:
        result = session.execute(update(_table).where(_table.c.id == message_id, _table.c.status == "sending",
                                                      _table.c.claimed_by == token)
                                 .values(lease_until=None, **values))
        session.commit()
    except BaseException:
        session.rollback()
        raise
    if result.rowcount != 1:
        log.warning("outbox message %s: lease expired before its outcome was recorded", message_id)


def deliver_one(session, box, message, token):
    """Deliver one claimed message and record the outcome; returns True when sent, False when not, None when
    its lease ran out before its turn (another worker may hold it now: it is left alone, nothing is sent)."""
    if _utcnow() >= message["lease_until"]:
        log.warning("outbox message %s: lease expired before delivery; left to the next claimer", message["id"])
        return None
    if message["attempts"] > box.max_attempts:  # re-claimed after a crash during its last attempt
        _finish(session, message["id"], token, {"status": "failed",
                                                "last_error": "lease expired during the last attempt"})
        return False
    try:
        handler = box.handlers.get(message["kind"])
        if handler is None:
            raise LookupError(f"no handler for outbox kind {message['kind']!r}")
        handler(message["payload"])
    except Exception as err:  # delivery problems are recorded, never raised
        error = f"{type(err).__name__}: {err}"[:1000]
        if message["attempts"] >= box.max_attempts:
            values = {"status": "failed", "last_error": error}
        else:
            values = {"status": "pending", "last_error": error,
                      "next_attempt_at": _utcnow() + datetime.timedelta(seconds=box.backoff(message["attempts"]))}
        _finish(session, message["id"], token, values)
        log.warning("outbox message %s (attempt %s) not delivered: %s", message["id"], message["attempts"], error)
        return False
    _finish(session, message["id"], token, {"status": "sent", "sent_at": _utcnow()})
    return True


def deliver_pending(session, box=None, *, worker=None, limit=None):
    """Claim and deliver due messages, batch after batch, until none is due (or ``limit`` were handled).
    Call inside an app context (handlers read its config). Returns (sent, failed) counts."""
    box = box or current()
    sent = failed = 0
    while limit is None or sent + failed < limit:
        size = box.batch_size if limit is None else min(box.batch_size, limit - sent - failed)
        messages, token = claim(session, limit=size, lease_seconds=box.lease_seconds, worker=worker)
        if not messages:
            break
        for message in messages:
            outcome = deliver_one(session, box, message, token)
            if outcome:
                sent += 1
            elif outcome is False:
                failed += 1
    return sent, failed
