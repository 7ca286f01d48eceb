"""Tables the workflow engine owns: the append-only transition history and the outbox."""
import datetime

from flask_appbuilder import Model
from sqlalchemy import JSON, Column, DateTime, ForeignKey, Index, Integer, String, Text

__all__ = ["OutboxMessage", "WorkflowHistory"]


def _utcnow():
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)


class WorkflowHistory(Model):
    """One fired transition. Rows are only ever inserted."""

    __tablename__ = "workflow_history"
    __table_args__ = (Index("ix_workflow_history_object", "workflow", "object_id"),)
    id = Column(Integer, primary_key=True)
    workflow = Column(String(64), nullable=False)
    object_id = Column(Integer, nullable=False)
    trigger = Column(String(64), nullable=False)
    source = Column(String(32), nullable=False)
    dest = Column(String(32), nullable=False)
    user_id = Column(Integer, ForeignKey("ab_user.id", ondelete="SET NULL"), nullable=True)
    username = Column(String(128), nullable=True)  # kept even if the user is deleted later
    at = Column(DateTime, nullable=False, default=_utcnow)
    comment = Column(Text, nullable=True)
    data = Column(JSON, nullable=True)


class OutboxMessage(Model):
    """A side effect outside the database (mail, a job to enqueue) recorded inside the transition's transaction
    and delivered by a worker after commit (``workflows.outbox``), so a failed delivery never loses or blocks a
    transition.

    Status: ``pending`` (due at ``next_attempt_at``, or now when null) → ``sending`` (claimed by ``claimed_by``
    until ``lease_until``; an expired lease makes it claimable again) → ``sent``, or back to ``pending`` with a
    backoff after a failed attempt, or ``failed`` after the last attempt."""

    __tablename__ = "workflow_outbox"
    __table_args__ = (Index("ix_workflow_outbox_due", "status", "next_attempt_at"),)
    id = Column(Integer, primary_key=True)
    kind = Column(String(32), nullable=False)
    payload = Column(JSON, nullable=False)
    status = Column(String(16), nullable=False, default="pending", index=True)
    attempts = Column(Integer, nullable=False, default=0)
    last_error = Column(Text, nullable=True)
    created_at = Column(DateTime, nullable=False, default=_utcnow)
    sent_at = Column(DateTime, nullable=True)
    next_attempt_at = Column(DateTime, nullable=True)
    claimed_at = Column(DateTime, nullable=True)
    claimed_by = Column(String(128), nullable=True)
    lease_until = Column(DateTime, nullable=True)
