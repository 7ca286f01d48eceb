"""The transactional outbox: side effects outside the database are recorded in the transition's own
transaction and delivered after commit. A failed delivery stays ``pending`` (attempts and last error
recorded) for a later retry; it never undoes or blocks the transition that caused it."""
import logging

from workflows.models import OutboxMessage, _utcnow

log = logging.getLogger(__name__)

_handlers = {}
MAX_ATTEMPTS = 5


def register_handler(kind, handler):
    """``handler(payload)`` delivers one message of ``kind`` or raises."""
    _handlers[kind] = handler


def enqueue(ctx, kind, payload, session_factory=None):
    """Record a message inside the transition (``ctx``) and try to deliver it once committed."""
    message = OutboxMessage(kind=kind, payload=payload)
    ctx.session.add(message)
    ctx.session.flush()
    message_id = message.id
    ctx.after_commit(lambda: deliver_pending(ctx.session, ids=[message_id]))
    return message


def deliver_pending(session, ids=None, max_attempts=MAX_ATTEMPTS):
    """Deliver pending messages (all, or ``ids``); returns (sent, failed) counts."""
    query = session.query(OutboxMessage).filter(OutboxMessage.status == "pending")
    if ids is not None:
        query = query.filter(OutboxMessage.id.in_(ids))
    sent = failed = 0
    for message in query.order_by(OutboxMessage.id).all():
        handler = _handlers.get(message.kind)
        try:
            if handler is None:
                raise LookupError(f"no handler for outbox kind {message.kind!r}")
            handler(message.payload)
        except Exception as err:  # delivery problems are recorded, never raised
            message.attempts += 1
            message.last_error = f"{type(err).__name__}: {err}"[:1000]
            if message.attempts >= max_attempts:
                message.status = "failed"
            failed += 1
            log.warning("outbox message %s not delivered: %s", message.id, message.last_error)
        else:
            message.attempts += 1
            message.status = "sent"
            message.sent_at = _utcnow()
            sent += 1
        session.commit()
    return sent, failed
