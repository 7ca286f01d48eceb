"""Notifications about workflow events: e-mail through the workflow outbox (SMTP from config) and, for the same
event, one in-app :class:`~app.models.Notification` row per recipient written in the same transaction (listed on
/notifications/, unread count in the navbar). Without MAIL_SERVER no mail is queued and nothing fails (DESIGN §6);
the in-app rows are written either way. :func:`send_mail` is the outbox's ``mail`` handler (wired by
``app.jobs.register``): it runs in outbox workers, never in a request."""
import smtplib
from email.message import EmailMessage

from flask import current_app
from sqlalchemy import func, update

from app.models import Notification, Unit, User
from app.models.base import utcnow
from workflows import outbox


def enabled():
    return bool(current_app.config.get("MAIL_SERVER"))


def send_mail(payload):
    cfg = current_app.config
    msg = EmailMessage()
    msg["From"] = cfg.get("MAIL_DEFAULT_SENDER", "sikipp@localhost")
    msg["To"] = ", ".join(payload["to"])
    msg["Subject"] = payload["subject"]
    msg.set_content(payload["body"])
    with smtplib.SMTP(cfg["MAIL_SERVER"], int(cfg.get("MAIL_PORT", 25)),
                      timeout=float(cfg.get("MAIL_TIMEOUT", 10))) as smtp:
        smtp.send_message(msg)


def unit_recipients(session, unit_id):
    return [u.email for u in session.query(User).filter(User.unit_id == unit_id, User.active.is_(True))
            if u.email and not u.email.endswith(".invalid")]


def queue_unit_mail(ctx, unit_id, subject, body, link=None):
    """Called from a lifecycle effect: an in-app notification for each active user of ``unit_id`` and a mail to
    those with an address (through the outbox), in the effect's transaction."""
    users = ctx.session.query(User).filter(User.unit_id == unit_id, User.active.is_(True)).all()
    notify(ctx.session, [u.id for u in users], subject, body, link)
    if not enabled():
        return None
    to = [u.email for u in users if u.email and not u.email.endswith(".invalid")]
    if not to:
        return None
    return outbox.enqueue(ctx, "mail", {"to": to, "subject": subject, "body": body})


def notify(session, user_ids, subject, body=None, link=None):
    """One in-app notification per recipient (no commit: the caller's transaction)."""
    rows = [Notification(user_id=uid, subject=subject[:300], body=body, link=link) for uid in dict.fromkeys(user_ids)]
    session.add_all(rows)
    return rows


def unread_count(session, user_id):
    return session.query(func.count(Notification.id)).filter(Notification.user_id == user_id,
                                                              Notification.read_at.is_(None)).scalar()


def of_user(session, user_id, limit=100):
    return (session.query(Notification).filter(Notification.user_id == user_id)
            .order_by(Notification.id.desc()).limit(limit).all())


def mark_read(session, user_id, notification_id=None):
    """Mark one of the user's notifications (or all of them) as read; another user's rows are never touched.
    Returns how many changed."""
    stmt = update(Notification).where(Notification.user_id == user_id, Notification.read_at.is_(None))
    if notification_id is not None:
        stmt = stmt.where(Notification.id == notification_id)
    return session.execute(stmt.values(read_at=utcnow())).rowcount


def unit_name(session, unit_id):
    unit = session.get(Unit, unit_id)
    return unit.name if unit else "-"

