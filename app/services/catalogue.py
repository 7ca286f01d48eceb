"""The public catalogue of awarded innovations, for replication ("transfer ilmu", DESIGN §2 and §4).

Only innovations in state ``awarded`` whose award a signed, unrevoked decree lists ever appear, with what another unit needs to replicate them: title,
unit, category, competition and year, award title, the replication-relevant proposal sections, the start
date, the video link and the SDG goals. Never anything else: no score (the award's or a juror's), no juror,
no comment, no user (creator, e-mail), no attachment, no prize amount.

Order: newest competition first (year, then the later-created competition); within a competition by award
rank (Juara I first; awards without a rank last), then category, then registration order. Two queries per
page (count and rows), whatever the page size.
"""
from sqlalchemy import case, func, select

from app.models import Award, Competition, DecreeAward, Innovation, Unit
from app.models.unit import UNIT_KIND_LABELS, UNIT_KINDS

PAGE_SIZE = 20
PUBLIC_STATE = "awarded"
# Proposal sections shown to the public (the ones that tell how to replicate the innovation).
SECTIONS = ("summary", "novelty", "implementation", "adaptability", "sustainability")
FIELDS = ("innovation_id", "title", "unit", "unit_kind", "category", "competition_id", "competition", "year",
          "award", *SECTIONS, "started_on", "video_url", "sdg_goals",
          "replications", "office_contact", "sustainability_status")  # registry (issue 12): see _with_registry

_COLUMNS = (
    Innovation.id, Innovation.title, Unit.name, Unit.kind, Competition.id, Competition.name, Competition.year,
    Award.title, *[getattr(Innovation, s) for s in SECTIONS], Innovation.started_on, Innovation.video_url,
    Innovation.sdg_goals,
)


def listed_by_signed_decree(stmt):
    """``stmt`` (selecting from Award) restricted to awards a signed, unrevoked decree lists: ``decree_award`` holds
    the listings of signed decrees only (recorded at signing from the decree's manifest, removed when the decree is
    revoked), so only such awards are public (DESIGN §4: never from a draft or a revoked decree). A join: a
    competition has one signed decree at a time, so an award has at most one listing (no duplicates); the join uses
    the award's index."""
    return stmt.join(DecreeAward, DecreeAward.award_id == Award.id)


def _base(year=None, kind=None):
    stmt = listed_by_signed_decree(
        select(*_COLUMNS).select_from(Innovation)
        .join(Unit, Unit.id == Innovation.unit_id)
        .join(Competition, Competition.id == Innovation.competition_id)
        .join(Award, Award.innovation_id == Innovation.id)).where(Innovation.state == PUBLIC_STATE)
    if year is not None:
        stmt = stmt.where(Competition.year == year)
    if kind is not None:
        stmt = stmt.where(Unit.kind == kind)
    return stmt


def _ordered(stmt):
    kind_order = case({k: n for n, k in enumerate(UNIT_KINDS)}, value=Unit.kind, else_=len(UNIT_KINDS))
    return stmt.order_by(Competition.year.desc(), Competition.id.desc(), case((Award.rank.is_(None), 1), else_=0),
                         Award.rank.asc(), kind_order, Innovation.id.asc())


def _entry(row):
    (pk, title, unit, kind, competition_id, competition, year, award, *rest) = row
    sections = dict(zip(SECTIONS, rest[:len(SECTIONS)]))
    started_on, video_url, sdg_goals = rest[len(SECTIONS):]
    return {
        "innovation_id": pk, "title": title, "unit": unit, "unit_kind": kind,
        "category": UNIT_KIND_LABELS.get(kind, kind), "competition_id": competition_id, "competition": competition,
        "year": year, "award": award, **sections,
        "started_on": started_on.isoformat() if started_on else None,
        "video_url": video_url or None,
        "sdg_goals": [g for g in (sdg_goals or []) if isinstance(g, int) and 1 <= g <= 17],
    }


def _with_registry(session, entries):
    """Registry facts for those who want to replicate (issue 12): the replications of each entry's lineage
    (who and when; never the evidence or who recorded it), the unit's office contact (the office's address, phone
    and e-mail as stored on the unit: never a person's), and the latest sustainability status. Three queries per
    page, whatever its size."""
    if not entries:
        return entries
    from app.models import Replication
    from app.services import registry

    ids = [e["innovation_id"] for e in entries]
    rows = session.execute(select(Innovation.id, Innovation.lineage_id, Unit.office_address, Unit.office_phone,
                                  Unit.office_email).join(Unit, Unit.id == Innovation.unit_id)
                           .where(Innovation.id.in_(ids))).all()
    lineage = {pk: lin for pk, lin, *_ in rows}
    contact = {pk: {"address": a, "phone": p, "email": m} for pk, _lin, a, p, m in rows}
    replications = {}
    for lin, replicator, day in session.execute(
            select(Innovation.lineage_id, Replication.replicator, Replication.replicated_on)
            .join(Innovation, Innovation.id == Replication.innovation_id)
            .where(Innovation.lineage_id.in_(set(lineage.values())))
            .order_by(Replication.replicated_on, Replication.id)).all():
        replications.setdefault(lin, []).append({"replicator": replicator, "replicated_on": day.isoformat()})
    latest = registry.latest_statuses(session, ids)
    for e in entries:
        pk = e["innovation_id"]
        e["replications"] = replications.get(lineage.get(pk), [])
        office = contact.get(pk) or {}
        e["office_contact"] = office if any(office.values()) else None
        year_status = latest.get(pk)
        # Not "sustainability": that key is the proposal's section (Strategi Keberlanjutan).
        e["sustainability_status"] = {"year": year_status[0], "status": year_status[1]} if year_status else None
    return entries


def search(session, year=None, kind=None, page=1, page_size=PAGE_SIZE):
    """One page of the catalogue: ``{"result", "count", "page", "page_size", "pages"}`` (a page past the
    last one is empty)."""
    count = session.execute(select(func.count()).select_from(_base(year, kind).subquery())).scalar_one()
    pages = max(1, -(-count // page_size))
    offset = (page - 1) * page_size
    result = []
    if offset < count:
        rows = session.execute(_ordered(_base(year, kind)).limit(page_size).offset(offset)).all()
        result = _with_registry(session, [_entry(row) for row in rows])
    return {"result": result, "count": count, "page": page, "page_size": page_size, "pages": pages}


def get(session, innovation_id):
    """One catalogue entry, or None unless the innovation is awarded."""
    row = session.execute(_base().where(Innovation.id == innovation_id)).first()
    return _with_registry(session, [_entry(row)])[0] if row is not None else None


def years(session):
    """The competition years that have an awarded innovation, newest first (for the filter)."""
    return list(session.execute(listed_by_signed_decree(
        select(Competition.year).join(Innovation, Innovation.competition_id == Competition.id)
        .join(Award, Award.innovation_id == Innovation.id))
        .where(Innovation.state == PUBLIC_STATE).group_by(Competition.year).order_by(Competition.year.desc())).scalars())
