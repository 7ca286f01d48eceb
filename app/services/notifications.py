"""E-mail notifications about workflow events, sent through the workflow outbox (SMTP from config).
Without MAIL_SERVER nothing is queued and nothing fails (DESIGN §6). :func:`send_mail` is the outbox's ``mail``
handler (wired by ``app.jobs.register``): it runs in outbox workers, never in a request."""
import smtplib
from email.message import EmailMessage

from flask import current_app

from app.models import Unit, User
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


def queue_unit_mail(ctx, unit_id, subject, body):
    """Called from a lifecycle effect: queue a mail to the active users of ``unit_id``."""
    if not enabled():
        return None
    to = unit_recipients(ctx.session, unit_id)
    if not to:
        return None
    return outbox.enqueue(ctx, "mail", {"to": to, "subject": subject, "body": body})


def unit_name(session, unit_id):
    unit = session.get(Unit, unit_id)
    return unit.name if unit else "-"

