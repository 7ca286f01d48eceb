"""Nomination upward (issue 12 item 8, DESIGN §11): the Sekretariat sends a competition's winners on to the
provincial (e.g. Jawa Timur's KOVABLIK) or national (KemenPAN-RB's KIPP/SINOVIK) competition, within the
competition's ``nomination_quota`` per level. A withdrawal deletes the row; the audit log keeps the record."""
from flask_appbuilder import Model
from sqlalchemy import CheckConstraint, Column, DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import relationship

from app.models.base import utcnow

NOMINATION_LEVELS = ("provinsi", "nasional")
NOMINATION_LEVEL_LABELS = {"provinsi": "Provinsi", "nasional": "Nasional"}


class Nomination(Model):
    __tablename__ = "nomination"
    __table_args__ = (
        UniqueConstraint("innovation_id", "level", name="uq_nomination_innovation_level"),
        CheckConstraint("level IN ('provinsi', 'nasional')", name="ck_nomination_level"),
    )
    id = Column(Integer, primary_key=True)
    competition_id = Column(Integer, ForeignKey("competition.id", ondelete="CASCADE"), nullable=False, index=True)
    innovation_id = Column(Integer, ForeignKey("innovation.id", ondelete="CASCADE"), nullable=False, index=True)
    level = Column(String(16), nullable=False)
    nominated_by_id = Column(Integer, ForeignKey("ab_user.id", ondelete="SET NULL"), nullable=True)
    nominated_on = Column(DateTime, nullable=False, default=utcnow)

    competition = relationship("Competition")
    innovation = relationship("Innovation")
    nominated_by = relationship("SikippUser")
