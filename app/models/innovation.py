import uuid

from flask_appbuilder import Model
from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import relationship, validates

from app.models.base import utcnow
from app.models.states import InnovationGroup, InnovationState, check_in, values

INNOVATION_STATES = values(InnovationState)

# Proposal sections in form order (reference/domain.md) with their Indonesian headings.
PROPOSAL_SECTIONS = (
    ("summary", "Ringkasan"),
    ("background", "Latar Belakang dan Tujuan"),
    ("novelty", "Kebaruan / Nilai Tambah"),
    ("implementation", "Implementasi"),
    ("significance", "Signifikansi"),
    ("adaptability", "Adaptabilitas"),
    ("resources", "Sumber Daya"),
    ("sustainability", "Strategi Keberlanjutan"),
)

PROPOSAL_SECTIONS_REQUIRED = PROPOSAL_SECTIONS


def new_lineage_id():
    """A fresh lineage key (registry across years): a new innovation starts its own lineage; a carry-over copies
    its source's key. A random key rather than the row's id: it is known before the INSERT, so every way of
    creating an innovation (commands, demo, tests building rows) gets one without a second write."""
    return uuid.uuid4().hex


class Innovation(Model):
    __tablename__ = "innovation"
    __table_args__ = (
        CheckConstraint(check_in("state", InnovationState), name="ck_innovation_state"),
        CheckConstraint("version >= 1", name="ck_innovation_version"),
        Index("ix_innovation_competition_state", "competition_id", "state"),
        CheckConstraint(check_in('"group"', InnovationGroup), name="ck_innovation_group"),
    )
    id = Column(Integer, primary_key=True)
    competition_id = Column(Integer, ForeignKey("competition.id", ondelete="RESTRICT"), nullable=False, index=True)
    unit_id = Column(Integer, ForeignKey("unit.id", ondelete="RESTRICT"), nullable=False, index=True)
    title = Column(String(200), nullable=False)
    summary = Column(Text, nullable=True)
    background = Column(Text, nullable=True)
    novelty = Column(Text, nullable=True)
    implementation = Column(Text, nullable=True)
    significance = Column(Text, nullable=True)
    adaptability = Column(Text, nullable=True)
    resources = Column(Text, nullable=True)
    sustainability = Column(Text, nullable=True)
    started_on = Column(Date, nullable=True)
    video_url = Column(String(500), nullable=True)
    sdg_goals = Column(JSON, nullable=True)  # list of SDG numbers 1..17
    state = Column(String(16), nullable=False, default=InnovationState.DRAFT.value, index=True)
    version = Column(Integer, nullable=False, default=1)  # optimistic lock for workflow fires
    current_round_id = Column(Integer, ForeignKey("round.id", ondelete="SET NULL"), nullable=True)
    created_by_id = Column(Integer, ForeignKey("ab_user.id", ondelete="SET NULL"), nullable=True)
    created_on = Column(DateTime, nullable=False, default=utcnow)
    changed_on = Column(DateTime, nullable=False, default=utcnow, onupdate=utcnow)
    # -- registry across years and replication (issue 12, DESIGN §11) --
    # The lineage: shared by an innovation and its carry-overs into later competitions (read-only everywhere).
    lineage_id = Column(String(64), nullable=False, default=new_lineage_id, index=True)
    # Group ``replikasi``: the original innovation, either one here or another Pemda's (free text); not both.
    replicates_id = Column(Integer, ForeignKey("innovation.id", ondelete="SET NULL"), nullable=True, index=True)
    replicates_text = Column(String(300), nullable=True)
    # -- end registry --

    # -- innovator team (issue 12, DESIGN §11) --------------------------------------------------------------
    # [{"name", "nip", "position", "role", "contact"}]: personal data, shown only to the unit, the Sekretariat
    # and non-blind jurors (app/services/teams.py); null = no team entered.
    team = Column(JSON, nullable=True)
    # -- end innovator team -----------------------------------------------------------------------------------

    # -- groups and categories (issue 12 item 1, DESIGN §11) --------------------------------------------
    # One of its competition's groups (default the first) and, when the competition lists categories, one
    # of them (app.services.groups); the ranking is per group × category.
    group = Column(String(16), nullable=False, default=InnovationGroup.UMUM.value,
                   server_default=InnovationGroup.UMUM.value, index=True)
    category = Column(String(64), nullable=True, index=True)
    # -- end groups and categories ---------------------------------------------------------------------

    competition = relationship("Competition")
    replicates = relationship("Innovation", remote_side=[id], foreign_keys=[replicates_id])
    unit = relationship("Unit")
    current_round = relationship("Round")
    attachments = relationship("Attachment", back_populates="innovation", cascade="all, delete-orphan",
                               passive_deletes=True)

    def __repr__(self):
        return self.title

    # -- duplicate detection (issue 14): the title as compared, kept on every write -------------------
    # Set with the title on every ORM write (API, screens, CLI, demo, carry-over: ``validates``) and by the
    # column default for Core inserts that give only a title (synthetic data); indexed with the competition
    # and state (``ix_innovation_duplicate_title``) so the duplicate check is an index lookup, not a scan of
    # ``lower(trim(title))`` over the table.
    title_normalized = Column(String(400), nullable=False, default=lambda ctx: normalize_title(
        ctx.get_current_parameters().get("title")))

    @validates("title")
    def _keep_title_normalized(self, _key, value):
        self.title_normalized = normalize_title(value)
        return value


def normalize_title(title):
    """The title as duplicates are compared: lower case, trimmed, inner runs of white space made one space."""
    return " ".join((title or "").split()).lower()


Index("ix_innovation_duplicate_title", Innovation.competition_id, Innovation.title_normalized, Innovation.state)


class Attachment(Model):
    __tablename__ = "attachment"
    __table_args__ = (CheckConstraint("size_bytes > 0", name="ck_attachment_size"),)
    id = Column(Integer, primary_key=True)
    innovation_id = Column(Integer, ForeignKey("innovation.id", ondelete="CASCADE"), nullable=False, index=True)
    original_name = Column(String(255), nullable=False)  # shown only, never used as a path
    stored_name = Column(String(80), nullable=False, unique=True)
    size_bytes = Column(BigInteger, nullable=False)
    sha256 = Column(String(64), nullable=False)
    uploaded_by_id = Column(Integer, ForeignKey("ab_user.id", ondelete="SET NULL"), nullable=True)
    uploaded_on = Column(DateTime, nullable=False, default=utcnow)
    # -- typed evidence (issue 12, DESIGN §11): a code of the competition's evidence_kinds, or null -------------
    kind = Column(String(40), nullable=True)
    # -- end typed evidence ---------------------------------------------------------------------------------------

    innovation = relationship(Innovation, back_populates="attachments")
