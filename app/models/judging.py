from flask_appbuilder import Model
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import relationship

from app.models.base import utcnow
from app.models.states import AssignmentStatus, check_in, values

ASSIGNMENT_STATUSES = values(AssignmentStatus)


class Assignment(Model):
    """A juror's duty to score one innovation in one round."""

    __tablename__ = "assignment"
    __table_args__ = (
        UniqueConstraint("round_id", "innovation_id", "juror_id", name="uq_assignment"),
        CheckConstraint(check_in("status", AssignmentStatus), name="ck_assignment_status"),
    )
    id = Column(Integer, primary_key=True)
    round_id = Column(Integer, ForeignKey("round.id", ondelete="CASCADE"), nullable=False, index=True)
    innovation_id = Column(Integer, ForeignKey("innovation.id", ondelete="CASCADE"), nullable=False, index=True)
    juror_id = Column(Integer, ForeignKey("ab_user.id", ondelete="RESTRICT"), nullable=False, index=True)
    status = Column(String(16), nullable=False, default=AssignmentStatus.ACTIVE.value)
    recusal_reason = Column(Text, nullable=True)
    created_on = Column(DateTime, nullable=False, default=utcnow)

    round = relationship("Round")
    innovation = relationship("Innovation")
    juror = relationship("SikippUser", foreign_keys=[juror_id])
    sheet = relationship("ScoreSheet", back_populates="assignment", uselist=False, cascade="all, delete-orphan",
                         passive_deletes=True)


class ScoreSheet(Model):
    __tablename__ = "score_sheet"
    id = Column(Integer, primary_key=True)
    assignment_id = Column(Integer, ForeignKey("assignment.id", ondelete="CASCADE"), nullable=False, unique=True)
    comment = Column(Text, nullable=True)
    is_final = Column(Boolean, nullable=False, default=False, index=True)
    submitted_at = Column(DateTime, nullable=True)
    updated_at = Column(DateTime, nullable=False, default=utcnow, onupdate=utcnow)

    assignment = relationship(Assignment, back_populates="sheet")
    scores = relationship("Score", back_populates="sheet", cascade="all, delete-orphan", passive_deletes=True)


class Score(Model):
    __tablename__ = "score"
    __table_args__ = (
        UniqueConstraint("sheet_id", "criterion_id", name="uq_score_criterion"),
        CheckConstraint("value >= 0", name="ck_score_value"),  # the upper bound is the criterion's max_score
    )
    id = Column(Integer, primary_key=True)
    sheet_id = Column(Integer, ForeignKey("score_sheet.id", ondelete="CASCADE"), nullable=False, index=True)
    criterion_id = Column(Integer, ForeignKey("criterion.id", ondelete="RESTRICT"), nullable=False, index=True)
    value = Column(Numeric(7, 2), nullable=False)

    sheet = relationship(ScoreSheet, back_populates="scores")
    criterion = relationship("Criterion")
