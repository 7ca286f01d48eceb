from flask_appbuilder import Model
from sqlalchemy import Column, DateTime, ForeignKey, Index, Integer, String, Text

from app.models.base import utcnow


class Notification(Model):
    """What the outbox mails, kept in the app too: one row per recipient, written in the transaction that records
    the mail (or would, without MAIL_SERVER), read on /notifications/ with an unread count in the navbar."""

    __tablename__ = "notification"
    __table_args__ = (Index("ix_notification_user_unread", "user_id", "read_at"),)
    id = Column(Integer, primary_key=True)
    user_id = Column(Integer, ForeignKey("ab_user.id", ondelete="CASCADE"), nullable=False)
    subject = Column(String(300), nullable=False)
    body = Column(Text, nullable=True)
    link = Column(String(500), nullable=True)  # a path inside the app
    created_at = Column(DateTime, nullable=False, default=utcnow, index=True)
    read_at = Column(DateTime, nullable=True)
