"""Announcements of a closed round's provisional results and the public's objections (DESIGN §10)."""
from flask_appbuilder import Model
from sqlalchemy import CheckConstraint, Column, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import relationship

from app.models.base import utcnow
from app.models.states import ObjectionState, check_in, values

OBJECTION_STATES = values(ObjectionState)


class Announcement(Model):
    """The publication of one closed round's results (at most one per round). ``objection_until`` (UTC) is the
    last second of the objection window: the announcement time plus the competition's ``objection_days``, at
    23:59:59 local time; with 0 days the announcement time itself (no window)."""

    __tablename__ = "announcement"
    __table_args__ = (
        UniqueConstraint("round_id", name="uq_announcement_round"),
        CheckConstraint("objection_until >= announced_at", name="ck_announcement_window"),
    )
    id = Column(Integer, primary_key=True)
    competition_id = Column(Integer, ForeignKey("competition.id", ondelete="RESTRICT"), nullable=False, index=True)
    round_id = Column(Integer, ForeignKey("round.id", ondelete="RESTRICT"), nullable=False)
    announced_at = Column(DateTime, nullable=False, default=utcnow)
    objection_until = Column(DateTime, nullable=False)
    announced_by_id = Column(Integer, ForeignKey("ab_user.id", ondelete="SET NULL"), nullable=True)

    competition = relationship("Competition")
    round = relationship("Round")
    entries = relationship("AnnouncementEntry", back_populates="announcement", order_by="AnnouncementEntry.id",
                           cascade="all, delete-orphan", passive_deletes=True)


class AnnouncementEntry(Model):
    """One announced innovation with its category and rank as published (a record: later edits of the round
    never change what was announced)."""

    __tablename__ = "announcement_entry"
    __table_args__ = (
        UniqueConstraint("announcement_id", "innovation_id", name="uq_announcement_entry"),
        CheckConstraint("rank >= 1", name="ck_announcement_entry_rank"),
    )
    id = Column(Integer, primary_key=True)
    announcement_id = Column(Integer, ForeignKey("announcement.id", ondelete="CASCADE"), nullable=False, index=True)
    innovation_id = Column(Integer, ForeignKey("innovation.id", ondelete="RESTRICT"), nullable=False, index=True)
    category = Column(String(64), nullable=True)
    group = Column(String(16), nullable=True)  # issue 12 item 1: ranks are per group × category
    rank = Column(Integer, nullable=False)

    announcement = relationship(Announcement, back_populates="entries")
    innovation = relationship("Innovation")


class Objection(Model):
    """A sanggahan against an announced innovation. ``answer`` is the Sekretariat's published answer (the
    comment of ``uphold``/``dismiss``); ``email`` is never shown to the public."""

    __tablename__ = "objection"
    __table_args__ = (
        CheckConstraint(check_in("state", ObjectionState), name="ck_objection_state"),
        CheckConstraint("version >= 1", name="ck_objection_version"),
    )
    id = Column(Integer, primary_key=True)
    announcement_id = Column(Integer, ForeignKey("announcement.id", ondelete="RESTRICT"), nullable=False, index=True)
    innovation_id = Column(Integer, ForeignKey("innovation.id", ondelete="RESTRICT"), nullable=False, index=True)
    name = Column(String(100), nullable=False)
    email = Column(String(254), nullable=False)
    text = Column(Text, nullable=False)
    state = Column(String(16), nullable=False, default=ObjectionState.OPEN.value, index=True)
    version = Column(Integer, nullable=False, default=1)
    answer = Column(Text, nullable=True)
    answered_at = Column(DateTime, nullable=True)
    answered_by_id = Column(Integer, ForeignKey("ab_user.id", ondelete="SET NULL"), nullable=True)
    created_on = Column(DateTime, nullable=False, default=utcnow)

    announcement = relationship(Announcement)
    innovation = relationship("Innovation")

    @property
    def announcement_round(self):
        """The announced round, for screens: "Round (Competition Year)"."""
        a = self.announcement
        if a is None or a.round is None:
            return "-"
        return f"{a.round.name} ({a.competition.name} {a.competition.year})"

    def __repr__(self):
        return f"Sanggahan #{self.id}"
