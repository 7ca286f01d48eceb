"""Registry across years (issue 12 items 5-7; DESIGN §11): awards won outside SIKIPP, replications of an
innovation, and the yearly sustainability status of awarded innovations. Each row hangs off one innovation; the
registry reads them along the innovation's lineage (``Innovation.lineage_id``, shared with its carry-overs)."""
import enum

from flask_appbuilder import Model
from sqlalchemy import CheckConstraint, Column, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import relationship

from app.models.base import utcnow
from app.models.states import check_in, values


class AwardLevel(enum.StrEnum):
    """Levels of an award, lowest first (the order is the eligibility rule's "at or above")."""

    KABUPATEN = "kabupaten"
    PROVINSI = "provinsi"
    NASIONAL = "nasional"
    INTERNASIONAL = "internasional"


class SustainabilityStatus(enum.StrEnum):
    AKTIF = "aktif"
    BERKEMBANG = "berkembang"
    BERHENTI = "berhenti"


AWARD_LEVELS = values(AwardLevel)
# What a competition's eligibility rule may name (DESIGN §11): null or one of these.
ELIGIBILITY_LEVELS = (AwardLevel.KABUPATEN.value, AwardLevel.PROVINSI.value, AwardLevel.NASIONAL.value)
SUSTAINABILITY_STATUSES = values(SustainabilityStatus)


class ExternalAward(Model):
    """An award the innovation (its lineage) received outside this competition: level, year, title, evidence."""

    __tablename__ = "external_award"
    __table_args__ = (
        CheckConstraint(check_in("level", AwardLevel), name="ck_external_award_level"),
        CheckConstraint("year BETWEEN 2000 AND 2100", name="ck_external_award_year"),
    )
    id = Column(Integer, primary_key=True)
    innovation_id = Column(Integer, ForeignKey("innovation.id", ondelete="CASCADE"), nullable=False, index=True)
    level = Column(String(16), nullable=False)
    year = Column(Integer, nullable=False)
    title = Column(String(200), nullable=False)
    evidence = Column(String(500), nullable=True)  # a link to, or the reference of, the evidence (optional)
    created_by_id = Column(Integer, ForeignKey("ab_user.id", ondelete="SET NULL"), nullable=True)
    created_on = Column(DateTime, nullable=False, default=utcnow)

    innovation = relationship("Innovation")

    def __repr__(self):
        return f"{self.title} ({self.level} {self.year})"


class Replication(Model):
    """Who replicated an innovation (a unit here or another Pemda's), when, with optional evidence."""

    __tablename__ = "replication"
    id = Column(Integer, primary_key=True)
    innovation_id = Column(Integer, ForeignKey("innovation.id", ondelete="CASCADE"), nullable=False, index=True)
    replicator = Column(String(200), nullable=False)
    replicated_on = Column(Date, nullable=False)
    evidence = Column(String(500), nullable=True)
    created_by_id = Column(Integer, ForeignKey("ab_user.id", ondelete="SET NULL"), nullable=True)
    created_on = Column(DateTime, nullable=False, default=utcnow)

    innovation = relationship("Innovation")

    def __repr__(self):
        return self.replicator


class Sustainability(Model):
    """The yearly status of an awarded innovation (IID IND-18): one per innovation and year."""

    __tablename__ = "sustainability"
    __table_args__ = (
        UniqueConstraint("innovation_id", "year", name="uq_sustainability_year"),
        CheckConstraint(check_in("status", SustainabilityStatus), name="ck_sustainability_status"),
        CheckConstraint("year BETWEEN 2000 AND 2100", name="ck_sustainability_year"),
    )
    id = Column(Integer, primary_key=True)
    innovation_id = Column(Integer, ForeignKey("innovation.id", ondelete="CASCADE"), nullable=False, index=True)
    year = Column(Integer, nullable=False)
    status = Column(String(16), nullable=False)
    notes = Column(Text, nullable=True)
    evidence = Column(String(500), nullable=True)
    created_by_id = Column(Integer, ForeignKey("ab_user.id", ondelete="SET NULL"), nullable=True)
    created_on = Column(DateTime, nullable=False, default=utcnow)

    innovation = relationship("Innovation")

    def __repr__(self):
        return f"{self.year}: {self.status}"
