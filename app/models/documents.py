from flask_appbuilder import Model
from sqlalchemy import (
    CheckConstraint,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy import text as sql_text
from sqlalchemy.orm import relationship

from app.models.base import utcnow
from app.models.states import DecreeState, Delegation, DocumentKind, DocumentState, check_in, values

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
    # The ranking's group × category the award was given in (issue 12 item 1): the unit's kind, or the
    # competition's thematic category.
    category = Column(String(64), nullable=True)
    group = Column(String(16), nullable=True)
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
        CheckConstraint("text_version >= 1", name="ck_decree_text_version"),
        # DESIGN §3: at most one draft per competition; the database is the last guard against a race of POSTs.
        Index("uq_decree_one_draft", "competition_id", unique=True,
              postgresql_where=sql_text("state = 'draft'"), sqlite_where=sql_text("state = 'draft'")),
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
    # The signed decree this one revokes or amends (pencabutan/perubahan): set on POST or PUT, never guessed.
    supersedes_id = Column(Integer, ForeignKey("decree.id"), nullable=True, index=True)
    # The text's version: every edit of a draft increments it; initials (paraf) hold for one text version only.
    text_version = Column(Integer, nullable=False, default=1)

    competition = relationship("Competition")
    supersedes = relationship("Decree", remote_side=[id])

    def __repr__(self):
        return self.number or f"#{self.id}"


class DecreeAward(Model):
    """An award a signed decree lists (its manifest, recorded at signing; removed when the decree is revoked): the
    public catalogue shows an award only while a signed decree lists it (DESIGN §4)."""

    __tablename__ = "decree_award"
    decree_id = Column(Integer, ForeignKey("decree.id", ondelete="CASCADE"), primary_key=True)
    award_id = Column(Integer, ForeignKey("award.id", ondelete="CASCADE"), primary_key=True, index=True)


class DecreeParaf(Model):
    """One initial (paraf koordinasi) of a decree draft: who, in which role (step of the chain), when, on which
    text version. ``cleared_at`` is set when an edit or a return voids it (the row stays as the record)."""

    __tablename__ = "decree_paraf"
    __table_args__ = (CheckConstraint("step >= 1", name="ck_decree_paraf_step"),)
    id = Column(Integer, primary_key=True)
    decree_id = Column(Integer, ForeignKey("decree.id", ondelete="CASCADE"), nullable=False, index=True)
    step = Column(Integer, nullable=False)
    role = Column(String(64), nullable=False)
    user_id = Column(Integer, ForeignKey("ab_user.id", ondelete="SET NULL"), nullable=True)
    username = Column(String(100), nullable=True)
    at = Column(DateTime, nullable=False, default=utcnow)
    text_version = Column(Integer, nullable=False)
    number = Column(String(100), nullable=True)  # the number entered at the last paraf (manual numbering)
    cleared_at = Column(DateTime, nullable=True)


class SignerProfile(Model):
    """A Penandatangan's signing identity, printed in the signature block of what that user signs: the jabatan
    line (with Plt./Plh./a.n.), name, pangkat, NIP; optionally the signer's own key and certificate (paths or
    stored PEM)."""

    __tablename__ = "signer_profile"
    __table_args__ = (
        CheckConstraint(f"delegation IS NULL OR {check_in('delegation', Delegation)}",
                        name="ck_signer_profile_delegation"),
    )
    id = Column(Integer, primary_key=True)
    user_id = Column(Integer, ForeignKey("ab_user.id", ondelete="CASCADE"), nullable=False, unique=True)
    delegation = Column(String(8), nullable=True)  # null: the office holder; plt, plh, an (atas nama)
    jabatan = Column(String(300), nullable=False)  # the office signed for, e.g. "Bupati Sidoarjo"
    own_jabatan = Column(String(300), nullable=True)  # a.n.: the signer's own office, e.g. "Sekretaris Daerah"
    name = Column(String(200), nullable=False)
    pangkat = Column(String(200), nullable=True)
    nip = Column(String(30), nullable=True)
    key_path = Column(String(500), nullable=True)
    cert_path = Column(String(500), nullable=True)
    key_pem = Column(Text, nullable=True)
    cert_pem = Column(Text, nullable=True)
    changed_on = Column(DateTime, nullable=False, default=utcnow, onupdate=utcnow)

    user = relationship("User")


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
