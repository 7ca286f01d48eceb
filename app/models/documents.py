from flask_appbuilder import Model
from sqlalchemy import (
    CheckConstraint,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import relationship

from app.models.base import utcnow
from app.models.states import DecreeState, DocumentKind, DocumentState, check_in, values

DECREE_STATES = values(DecreeState)


class Award(Model):
    """An innovation's award (Juara I, Harapan I…), created by the ``award`` transition."""

    __tablename__ = "award"
    __table_args__ = (
        CheckConstraint("prize_amount IS NULL OR prize_amount >= 0", name="ck_award_prize"),
        CheckConstraint("rank IS NULL OR rank >= 1", name="ck_award_rank"),
    )
    id = Column(Integer, primary_key=True)
    innovation_id = Column(Integer, ForeignKey("innovation.id", ondelete="RESTRICT"), nullable=False, unique=True)
    title = Column(String(100), nullable=False)
    rank = Column(Integer, nullable=True)
    category = Column(String(16), nullable=True)
    score = Column(Float, nullable=True)
    prize_amount = Column(Numeric(14, 2), nullable=True)
    created_on = Column(DateTime, nullable=False, default=utcnow)
    # Voided by the innovation's `disqualify` (e.g. an upheld objection): the row stays as the record, but no
    # decree lists it any more and its certificates are revoked (app.services.awards.void_award).
    voided_at = Column(DateTime, nullable=True)
    void_reason = Column(Text, nullable=True)

    innovation = relationship("Innovation")


class UnitAward(Model):
    """The Sekda's rule: a unit whose SAKIP grade is A is rewarded; listed apart in the decree."""

    __tablename__ = "unit_award"
    __table_args__ = (UniqueConstraint("competition_id", "unit_id", name="uq_unit_award"),)
    id = Column(Integer, primary_key=True)
    competition_id = Column(Integer, ForeignKey("competition.id", ondelete="CASCADE"), nullable=False, index=True)
    unit_id = Column(Integer, ForeignKey("unit.id", ondelete="RESTRICT"), nullable=False)
    title = Column(String(200), nullable=False)
    sakip_grade = Column(String(2), nullable=False)
    created_on = Column(DateTime, nullable=False, default=utcnow)


class Decree(Model):
    """A Keputusan Bupati fixing a competition's winners."""

    __tablename__ = "decree"
    __table_args__ = (
        CheckConstraint(check_in("state", DecreeState), name="ck_decree_state"),
        CheckConstraint("version >= 1", name="ck_decree_version"),
    )
    id = Column(Integer, primary_key=True)
    competition_id = Column(Integer, ForeignKey("competition.id", ondelete="RESTRICT"), nullable=False, index=True)
    number = Column(String(100), nullable=True, unique=True)  # given from the register at signing
    title = Column(String(500), nullable=True)
    considerations = Column(Text, nullable=True)  # Menimbang
    legal_bases = Column(Text, nullable=True)  # Mengingat
    state = Column(String(16), nullable=False, default=DecreeState.DRAFT.value, index=True)
    version = Column(Integer, nullable=False, default=1)
    signed_at = Column(DateTime, nullable=True)
    signed_by_id = Column(Integer, ForeignKey("ab_user.id", ondelete="SET NULL"), nullable=True)
    created_on = Column(DateTime, nullable=False, default=utcnow)

    competition = relationship("Competition")


class IssuedDocument(Model):
    """A signed PDF, stored once byte-for-byte; revocation changes ``state``, never the bytes."""

    __tablename__ = "issued_document"
    __table_args__ = (
        CheckConstraint(check_in("kind", DocumentKind), name="ck_issued_document_kind"),
        CheckConstraint(check_in("state", DocumentState), name="ck_issued_document_state"),
        UniqueConstraint("decree_id", "award_id", name="uq_issued_document_award"),
    )
    id = Column(Integer, primary_key=True)
    kind = Column(String(16), nullable=False)
    decree_id = Column(Integer, ForeignKey("decree.id", ondelete="RESTRICT"), nullable=False, index=True)
    award_id = Column(Integer, ForeignKey("award.id", ondelete="RESTRICT"), nullable=True, index=True)
    code = Column(String(64), nullable=False, unique=True)
    number = Column(String(100), nullable=True)
    stored_name = Column(String(80), nullable=False, unique=True)
    sha256 = Column(String(64), nullable=False, index=True)
    state = Column(String(16), nullable=False, default=DocumentState.VALID.value)
    issued_at = Column(DateTime, nullable=False, default=utcnow)
    revoked_at = Column(DateTime, nullable=True)
    note = Column(Text, nullable=True)
