"""Nomination upward (issue 12 item 8, DESIGN §11): the rules, written once for every door.

Who may be nominated ("winners"): an innovation of the competition in state ``awarded`` whose award is not voided
(an upheld objection voids it). Once the competition has a signed decree, the decree is the official list: the
award must also be listed by it (``decree_award``, the same rule as the public catalogue,
:mod:`app.services.catalogue`), so an award given after signing waits for the amending
decree. Before any decree is signed, the awards themselves are the results (registration upward, e.g. KIPP's, does
not always wait for the Bupati's signature).

Quota: ``competition.nomination_quota`` maps a level (``provinsi``, ``nasional``) to the most innovations that
level takes from this competition (KOVABLIK 3, KIPP 2025 15); a level without a number has no limit. Nominating
ids already nominated at that level changes nothing (idempotent) and does not count twice; the request is refused
as a whole (409) when the new ones would take the level past its quota.
"""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import exists, func, or_, select

from app.models import Award, Competition, Decree, DecreeAward, Innovation, Nomination, Unit
from app.models.nomination import NOMINATION_LEVEL_LABELS, NOMINATION_LEVELS
from app.models.states import DecreeState
from app.services import decrees
from app.services.errors import Conflict, Invalid, NotFound

MAX_QUOTA = 1000
MAX_IDS = 500


def quota_problem(value):
    """The message for an invalid ``nomination_quota`` (None when valid): null, or an object mapping
    ``provinsi`` / ``nasional`` to a whole number from 0 to 1000 (or null: no limit)."""
    if value is None:
        return None
    if not isinstance(value, dict) or not all(
            key in NOMINATION_LEVELS and (n is None or (isinstance(n, int) and not isinstance(n, bool)
                                                        and 0 <= n <= MAX_QUOTA))
            for key, n in value.items()):
        return _('The nomination quota must map the levels (%(levels)s) to whole numbers from 0 to %(max)s, '
                 'e.g. {"provinsi": 3, "nasional": 15}.', levels=", ".join(NOMINATION_LEVELS), max=MAX_QUOTA)
    return None


def quota_of(competition, level):
    """The level's quota (None: no limit)."""
    return (competition.nomination_quota or {}).get(level)


def level_label(level):
    return NOMINATION_LEVEL_LABELS.get(level, level)


def check_level(level):
    if level not in NOMINATION_LEVELS:
        raise Invalid(_("The level must be one of: %(levels)s.", levels=", ".join(NOMINATION_LEVELS)), field="level")
    return level


def get_competition(session, competition_id, lock=False):
    if lock:
        # Serialises nominations of one competition: two Sekretariat users cannot both take the last place of a
        # quota (the competition row's write lock: a row lock on PostgreSQL, the database's write lock on SQLite,
        # where FOR UPDATE does nothing; a lock timeout is a 409).
        competition = decrees.lock_competition(session, competition_id)
    else:
        competition = session.execute(select(Competition).where(Competition.id == competition_id)).scalar_one_or_none()
    if competition is None:
        raise NotFound(_("Competition not found."))
    return competition


def winners_query(competition_id):
    """The competition's winners (see the module docstring) as a select of (Innovation, Award)."""
    stmt = (select(Innovation, Award).select_from(Innovation)
            .join(Award, Award.innovation_id == Innovation.id)
            .where(Innovation.competition_id == competition_id, Innovation.state == "awarded",
                   Award.voided_at.is_(None)))
    signed = exists().where(Decree.competition_id == competition_id, Decree.state == DecreeState.SIGNED.value)
    # decree_award holds the listings of signed decrees only (recorded at signing, removed at revocation).
    listed = exists().where(DecreeAward.award_id == Award.id)
    return stmt.where(or_(~signed, listed))


def winners(session, competition_id):
    """[(innovation, award)] of the competition's winners, by award rank (unranked last), then category, then id."""
    rows = session.execute(winners_query(competition_id)
                           .order_by(Award.rank.is_(None), Award.rank, Award.category, Innovation.id)).all()
    return [(inn, award) for inn, award in rows]


def used(session, competition_id, level):
    return session.execute(select(func.count(Nomination.id)).where(
        Nomination.competition_id == competition_id, Nomination.level == level)).scalar_one()


def _ids(value):
    if (not isinstance(value, list) or not value or len(value) > MAX_IDS
            or not all(isinstance(i, int) and not isinstance(i, bool) and 0 < i < 2**31 for i in value)):
        raise Invalid(_("Choose at least one innovation (a list of innovation ids)."), field="innovation_ids")
    return list(dict.fromkeys(value))  # order kept, duplicates dropped


def nominate(session, competition, innovation_ids, level, actor):
    """Nominate ``innovation_ids`` (winners of ``competition``) to ``level``. Returns ``{"nominated": [new ids],
    "already": [ids nominated before]}``. 422 for a bad level, an empty list or a non-winner; 409 beyond the
    quota."""
    check_level(level)
    ids = _ids(innovation_ids)
    winner_ids = set(session.execute(
        winners_query(competition.id).with_only_columns(Innovation.id).where(Innovation.id.in_(ids))).scalars())
    not_winners = [i for i in ids if i not in winner_ids]
    if not_winners:
        raise Invalid(_("Only the winners of this competition can be nominated (awarded, and listed in its signed "
                        "decree once there is one); not a winner: %(ids)s.", ids=", ".join(str(i) for i in not_winners)), field="innovation_ids")
    already = set(session.execute(select(Nomination.innovation_id).where(
        Nomination.level == level, Nomination.innovation_id.in_(ids))).scalars())
    new = [i for i in ids if i not in already]
    quota = quota_of(competition, level)
    count = used(session, competition.id, level)
    if quota is not None and count + len(new) > quota:
        raise Conflict(_("The %(level)s nomination quota is %(quota)s innovations: %(used)s already nominated, "
                         "%(new)s more would exceed it.", level=level_label(level), quota=quota, used=count,
                         new=len(new)))
    for innovation_id in new:
        session.add(Nomination(competition_id=competition.id, innovation_id=innovation_id, level=level,
                               nominated_by_id=getattr(actor, "id", None)))
    session.flush()
    return {"nominated": new, "already": [i for i in ids if i in already]}


def get_nomination(session, competition_id, nomination_id):
    nomination = session.get(Nomination, nomination_id)
    if nomination is None or nomination.competition_id != competition_id:
        raise NotFound(_("Nomination not found."))
    return nomination


def as_dict(nomination, unit_name=None, title=None):
    return {"id": nomination.id, "competition_id": nomination.competition_id,
            "innovation_id": nomination.innovation_id, "level": nomination.level,
            "title": title, "unit": unit_name,
            "nominated_by": getattr(nomination.nominated_by, "username", None),
            "nominated_on": nomination.nominated_on.isoformat() if nomination.nominated_on else None}


def nominated(session, competition_id, level=None):
    """[(nomination, innovation, unit, award)] of the competition (one level or all), by level, award rank, id."""
    stmt = (select(Nomination, Innovation, Unit, Award).select_from(Nomination)
            .join(Innovation, Innovation.id == Nomination.innovation_id)
            .join(Unit, Unit.id == Innovation.unit_id)
            .outerjoin(Award, Award.innovation_id == Innovation.id)
            .where(Nomination.competition_id == competition_id))
    if level is not None:
        stmt = stmt.where(Nomination.level == level)
    stmt = stmt.order_by(Nomination.level, Award.rank.is_(None), Award.rank, Award.category, Innovation.id)
    return [tuple(row) for row in session.execute(stmt).all()]


def summary(session, competition, level):
    """Quota figures of one level: ``{"level", "label", "quota", "used", "left"}`` (quota/left None: no limit)."""
    quota = quota_of(competition, level)
    count = used(session, competition.id, level)
    return {"level": level, "label": level_label(level), "quota": quota, "used": count,
            "left": None if quota is None else max(0, quota - count)}


def result(session, competition, level):
    """The API's answer for one level: its figures and its nominations."""
    rows = nominated(session, competition.id, level)
    return {**summary(session, competition, level),
            "result": [as_dict(n, unit.name, inn.title) for n, inn, unit, _award in rows]}
