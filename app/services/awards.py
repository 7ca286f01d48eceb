"""Awards created by the ``award`` transition, and the SAKIP unit awards (the Sekda's rule)."""
import re
from decimal import Decimal

from sqlalchemy import func

from app.models import Award, Innovation, Unit, UnitAward
from app.services import ranking

# "Juara I" → 1 … "Harapan III" → 6: the rank when the Sekretariat gives none (per category).
_TITLE_RANKS = {("juara", 1): 1, ("juara", 2): 2, ("juara", 3): 3, ("harapan", 1): 4, ("harapan", 2): 5,
                ("harapan", 3): 6}
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "v": 5, "1": 1, "2": 2, "3": 3, "4": 4, "5": 5}
UNIT_AWARD_TITLE = "Penghargaan Unit Kerja dengan Nilai SAKIP {grade}"
# The predikat of the places of a category, in order (awarding a category's top N from the final ranking).
STANDARD_TITLES = ("Juara I", "Juara II", "Juara III", "Harapan I", "Harapan II", "Harapan III")


def rank_from_title(title):
    match = re.match(r"^\s*(juara|harapan)\s+(i{1,3}|iv|v|[1-5])\b", title or "", re.IGNORECASE)
    if not match:
        return None
    return _TITLE_RANKS.get((match.group(1).lower(), _ROMAN[match.group(2).lower()]))


def suggested_rank(session, innovation):
    """The innovation's rank in its group × category in the final (combined) ranking of its competition's last round,
    or None when that ranking has no place for it: what the award form proposes."""
    standing = ranking.final_standing(session, innovation)
    return standing["rank"] if standing else None


def create_award(session, innovation, title, prize_amount=None, rank=None, score=None):
    """The award of the ``award`` transition. Its score and rank come from the final ranking (the combined
    ranking of the competition's last round, :func:`app.services.ranking.final_standing`): the score always
    (``score`` is only for seeding data without sheets); the rank unless the Sekretariat gives one — DESIGN §9
    "rank pre-filled from the ranking": the form offers the ranking's rank and the Sekretariat may change it
    (e.g. a shared "Harapan" place). An innovation never scored gets no score and the rank its title implies."""
    unit = session.get(Unit, innovation.unit_id)
    title = title.strip()
    standing = ranking.final_standing(session, innovation) if score is None or rank is None else None
    if rank is None:
        rank = standing["rank"] if standing else rank_from_title(title)
    if score is None and standing:
        score = standing["score"]
    # The ranking bucket the award is given in (issue 12): the final ranking's group × category, else the
    # innovation's own (its thematic category, or the unit's kind).
    group = standing["group"] if standing else innovation.group
    category = standing["category"] if standing else (innovation.category or (unit.kind if unit else None))
    award = Award(innovation_id=innovation.id, title=title, rank=rank, group=group,
                  category=category, score=score,
                  prize_amount=Decimal(str(prize_amount)) if prize_amount is not None else None)
    session.add(award)
    return award


def qualifying_units(session, competition_id, grades):
    """Units whose SAKIP grade is one of ``grades`` (default "A"): rewarded whether or not they proposed."""
    return (session.query(Unit).filter(Unit.sakip_grade.in_(list(grades) or ["-"]))
            .order_by(Unit.kind, Unit.name).all())


def refresh_unit_awards(session, competition_id, grades):
    """Make the competition's unit awards match the units' current SAKIP grades (before a decree is signed;
    a signed decree keeps its own list). Returns the competition's unit awards."""
    units = {u.id: u for u in qualifying_units(session, competition_id, grades)}
    existing = {ua.unit_id: ua for ua in session.query(UnitAward).filter(UnitAward.competition_id == competition_id)}
    for unit_id, ua in existing.items():
        if unit_id not in units:
            signed = _listed_in_signed_decree(session, ua.id)
            if not signed:
                session.delete(ua)
        elif ua.sakip_grade != units[unit_id].sakip_grade:
            ua.sakip_grade = units[unit_id].sakip_grade
            ua.title = UNIT_AWARD_TITLE.format(grade=ua.sakip_grade)
    for unit_id, unit in units.items():
        if unit_id not in existing:
            session.add(UnitAward(competition_id=competition_id, unit_id=unit_id, sakip_grade=unit.sakip_grade,
                                  title=UNIT_AWARD_TITLE.format(grade=unit.sakip_grade)))
    session.flush()
    return session.query(UnitAward).filter(UnitAward.competition_id == competition_id).all()


def _listed_in_signed_decree(session, unit_award_id):
    import json

    from app.models import IssuedDocument

    for (note,) in session.query(IssuedDocument.note).filter(IssuedDocument.kind == "decree"):
        try:
            if unit_award_id in (json.loads(note or "{}").get("unit_award_ids") or []):
                return True
        except ValueError:
            continue
    return False


def award_count(session, competition_id):
    return (session.query(func.count(Award.id)).join(Innovation, Award.innovation_id == Innovation.id)
            .filter(Innovation.competition_id == competition_id).scalar())


def void_award(session, innovation, reason, now):
    """Effect of the innovation's ``disqualify``: its award (if any) is voided — the row stays as the record with
    ``voided_at`` and ``void_reason``, no later decree draft lists it (app.services.documents.content) and no
    certificate is issued for it — and the certificates already issued for it are revoked. Returns the award."""
    from app.models import IssuedDocument

    award = session.query(Award).filter(Award.innovation_id == innovation.id).one_or_none()
    if award is None or award.voided_at is not None:
        return award
    award.voided_at = now
    award.void_reason = (reason or "")[:2000] or None
    for doc in session.query(IssuedDocument).filter(IssuedDocument.award_id == award.id,
                                                    IssuedDocument.state == "valid"):
        doc.state = "revoked"
        doc.revoked_at = now
    session.flush()
    return award
