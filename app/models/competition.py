from flask_appbuilder import Model
from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import relationship

from app.models.base import utcnow

# Word limits of the SINOVIK-style proposal form (reference/domain.md); a competition may override them.
DEFAULT_WORD_LIMITS = {
    "summary": 200,
    "background": 300,
    "novelty": 200,
    "implementation": 200,
    "significance": 600,
    "adaptability": 300,
    "resources": 200,
    "sustainability": 500,
}

# The administrative checklist the Sekretariat attests when verifying (editable per competition).
DEFAULT_CHECKLIST = (
    "SK tim inovasi terlampir",
    "Usia inovasi memenuhi",
    "Semua bagian terisi",
    "Bukti dukung relevan dan terbaca",
)


class Competition(Model):
    __tablename__ = "competition"
    __table_args__ = (
        CheckConstraint("year BETWEEN 2000 AND 2100", name="ck_competition_year"),
        CheckConstraint("min_implementation_years >= 0", name="ck_competition_min_age"),
        CheckConstraint("max_attachment_mb > 0", name="ck_competition_max_attachment"),
        CheckConstraint("objection_days BETWEEN 0 AND 90", name="ck_competition_objection_days"),
        CheckConstraint("eligibility_max_award_level IS NULL OR eligibility_max_award_level IN "
                        "('kabupaten', 'provinsi', 'nasional')", name="ck_competition_eligibility_level"),
    )
    id = Column(Integer, primary_key=True)
    name = Column(String(200), nullable=False)
    year = Column(Integer, nullable=False, index=True)
    description = Column(Text, nullable=True)
    submission_deadline = Column(DateTime, nullable=False)  # UTC
    min_implementation_years = Column(Integer, nullable=False, default=2)
    max_attachment_mb = Column(Integer, nullable=False, default=5)
    word_limits = Column(JSON, nullable=True)  # None: DEFAULT_WORD_LIMITS
    verification_checklist = Column(JSON, nullable=True)  # None: DEFAULT_CHECKLIST
    # Days of the objection window (masa sanggah) after an announcement (DESIGN §10); 0 = no window.
    objection_days = Column(Integer, nullable=False, default=5, server_default="5")
    # The proposing units read the jurors' comments (without names) on their results page once a round is closed.
    feedback_to_units = Column(Boolean, nullable=False, default=False, server_default=false())
    # -- typed evidence (issue 12, DESIGN §11) ------------------------------------------------------------------
    # [{"code", "label", "required", "max_mb"}] (app/services/evidence.py); null or empty = untyped attachments.
    evidence_kinds = Column(JSON, nullable=True)
    # -- end typed evidence -------------------------------------------------------------------------------------
    # -- registry across years (issue 12, DESIGN §11): an innovation whose lineage holds an award at or above this
    # level (kabupaten < provinsi < nasional; awards given here count as kabupaten) cannot be submitted. NULL: no rule.
    eligibility_max_award_level = Column(String(16), nullable=True)
    # -- end registry --
    created_on = Column(DateTime, nullable=False, default=utcnow)

    # -- groups and categories (issue 12 item 1, DESIGN §11) --------------------------------------------
    # KIPP's groups (umum, replikasi, khusus; the first is an innovation's default) and the thematic category
    # list (empty: the unit's kind is the category, as before). Rules in app.services.groups.
    groups = Column(JSON, nullable=False, default=lambda: ["umum"], server_default='["umum"]')
    categories = Column(JSON, nullable=False, default=list, server_default="[]")
    # -- end groups and categories ---------------------------------------------------------------------
    # --- Nomination upward (issue 12 item 8, DESIGN §11) ---
    # The most innovations the Sekretariat may nominate per level, e.g. {"provinsi": 3, "nasional": 15}
    # (KOVABLIK takes 3 per region, KIPP 2025 15 per kabupaten/kota); a level absent (or null) has no limit.
    nomination_quota = Column(JSON, nullable=True)
    # --- end nomination upward ---

    rounds = relationship("Round", back_populates="competition", order_by="Round.sequence",
                          cascade="all, delete-orphan", passive_deletes=True)

    def effective_checklist(self):
        return list(self.verification_checklist or DEFAULT_CHECKLIST)

    def effective_word_limits(self):
        return {**DEFAULT_WORD_LIMITS, **(self.word_limits or {})}

    def __repr__(self):
        return self.name


class Round(Model):
    __tablename__ = "round"
    __table_args__ = (
        UniqueConstraint("competition_id", "sequence", name="uq_round_sequence"),
        CheckConstraint("weight > 0", name="ck_round_weight"),
        CheckConstraint("sequence >= 1", name="ck_round_sequence"),
        CheckConstraint("shortlist_size IS NULL OR shortlist_size > 0", name="ck_round_shortlist"),
        CheckConstraint("pass_mark IS NULL OR (pass_mark >= 0 AND pass_mark <= 100)", name="ck_round_pass_mark"),
    )
    id = Column(Integer, primary_key=True)
    competition_id = Column(Integer, ForeignKey("competition.id", ondelete="CASCADE"), nullable=False, index=True)
    name = Column(String(200), nullable=False)
    sequence = Column(Integer, nullable=False, default=1)
    weight = Column(Float, nullable=False, default=1.0)
    shortlist_size = Column(Integer, nullable=True)
    blind = Column(Boolean, nullable=False, default=False)
    normalize_z = Column(Boolean, nullable=False, default=False)
    closed_at = Column(DateTime, nullable=True)

    # -- pass mark and category quotas (issue 12 item 2, DESIGN §11) -----------------------------------
    # Closing advances only innovations scoring at least ``pass_mark`` (null: no mark), at most
    # ``shortlist_size`` per group × category, or ``category_quotas[category]`` for a listed category
    # (app.services.balancing.shortlist).
    pass_mark = Column(Float, nullable=True)
    category_quotas = Column(JSON, nullable=True)  # {"category": n}; null or {}: shortlist_size everywhere
    # -- end pass mark and category quotas -------------------------------------------------------------

    competition = relationship(Competition, back_populates="rounds")
    criteria = relationship("Criterion", back_populates="round", order_by="Criterion.sequence",
                            cascade="all, delete-orphan", passive_deletes=True)

    def __repr__(self):
        return self.name


class Criterion(Model):
    __tablename__ = "criterion"
    __table_args__ = (
        CheckConstraint("weight > 0", name="ck_criterion_weight"),
        CheckConstraint("max_score > 0", name="ck_criterion_max_score"),
    )
    id = Column(Integer, primary_key=True)
    round_id = Column(Integer, ForeignKey("round.id", ondelete="CASCADE"), nullable=False, index=True)
    name = Column(String(200), nullable=False)
    description = Column(Text, nullable=True)
    weight = Column(Float, nullable=False, default=1.0)
    max_score = Column(Float, nullable=False, default=100.0)
    sequence = Column(Integer, nullable=False, default=1)

    round = relationship(Round, back_populates="criteria")

    def __repr__(self):
        return self.name
