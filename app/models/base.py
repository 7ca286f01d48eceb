import datetime

from flask_appbuilder import Model
from sqlalchemy import JSON, Column, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import relationship


def utcnow():
    """Naive UTC timestamp: every time is stored in UTC (DESIGN §6)."""
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)


class AuditLog(Model):
    """Who did what to which row, for actions that are not workflow transitions
    (deadline extensions, recusals, reopened score sheets, user management)."""

    __tablename__ = "audit_log"
    id = Column(Integer, primary_key=True)
    at = Column(DateTime, nullable=False, default=utcnow, index=True)
    user_id = Column(Integer, ForeignKey("ab_user.id", ondelete="SET NULL"), nullable=True)
    action = Column(String(64), nullable=False)
    target_type = Column(String(64), nullable=False)
    target_id = Column(Integer, nullable=True)
    detail = Column(Text, nullable=True)
    data = Column(JSON, nullable=True)

    user = relationship("SikippUser", foreign_keys=[user_id])


class SeededPermission(Model):
    """A (role, permission, view menu) grant that start-up has seeded once. Seeding never
    re-adds a grant recorded here, so an Admin's removal in the Security screens sticks."""

    __tablename__ = "seeded_permission"
    __table_args__ = (UniqueConstraint("role_name", "permission_name", "view_menu_name", name="uq_seeded_permission"),)
    id = Column(Integer, primary_key=True)
    role_name = Column(String(64), nullable=False)
    permission_name = Column(String(100), nullable=False)
    view_menu_name = Column(String(250), nullable=False)
    seeded_at = Column(DateTime, nullable=False, default=utcnow)
