"""What each role's home (``/``, DESIGN §9) shows: the user's to-dos and, for the Sekretariat, the competition's
figures. Every to-do query starts from the row rules of :mod:`app.services.access` (the API's), so a home never
lists a record the API hides from the same user.

To-do kinds (``data-todo``, exact): OPD ``returned``, ``draft`` and ``sustainability`` (issue 12); Sekretariat ``verify``, ``round``,
``objection``, ``decree``; Juri ``sheet``; Hukum ``paraf``; Penandatangan ``sign``. The paraf chain's rules
(``decrees.paraf_chain``, ``paraf_problem``, ``chain_problem``) are the decree service's; before they exist every
draft awaits the signer."""

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import contains_eager, joinedload

from app.models import (
    Assignment,
    Competition,
    Decree,
    Innovation,
    Round,
    ScoreSheet,
    Unit,
)
from app.models.base import utcnow
from app.models.states import InnovationState
from app.models.unit import UNIT_KIND_LABELS, UNIT_KINDS
from app.services import access, decrees, participation, ranking
from workflows.models import WorkflowHistory

DRAFT = InnovationState.DRAFT.value
# A home lists at most this many to-dos of a kind (the oldest first) with their total and a link to the full,
# filtered list: a page that rendered every submitted proposal grew with the table (1.4 MB at 100k innovations).
TODO_LIMIT = 200  # DESIGN §9 lists each record; bounded so the home stays cheap at national volumes
LIVE_EXCLUDED = (InnovationState.WITHDRAWN.value, InnovationState.REJECTED.value)


def days_left(deadline, now=None):
    """Whole days from now to ``deadline`` (both naive UTC), at least 0."""
    now = now or utcnow()
    return max(0, (deadline - now).days)


# -- to-dos ----------------------------------------------------------------------------------------------


def _last_transitions(session, innovation_ids):
    """{innovation id: its latest history row} (one query)."""
    if not innovation_ids:
        return {}
    latest = (select(WorkflowHistory.object_id, func.max(WorkflowHistory.id).label("last_id"))
              .where(WorkflowHistory.workflow == "innovation", WorkflowHistory.object_id.in_(innovation_ids))
              .group_by(WorkflowHistory.object_id).subquery())
    rows = session.execute(select(WorkflowHistory).join(latest, WorkflowHistory.id == latest.c.last_id)).scalars()
    return {h.object_id: h for h in rows}


def returned_drafts(session, innovation_ids):
    """The ids among ``innovation_ids`` of drafts whose last transition was ``return`` (sent back for revision);
    two statements whatever their number (a list page's rows)."""
    ids = [i for i in innovation_ids if isinstance(i, int)]
    if not ids:
        return set()
    drafts = [i for (i,) in session.execute(select(Innovation.id).where(Innovation.id.in_(ids),
                                                                         Innovation.state == DRAFT))]
    if not drafts:
        return set()
    return {pk for pk, h in _last_transitions(session, drafts).items() if h.trigger == "return"}


def opd_todos(session, user, now=None):
    """``returned``: each own draft whose last transition was ``return`` (with the Sekretariat's note);
    ``draft``: each other own draft while its competition's submission deadline is open."""
    now = now or utcnow()
    if "OPD" not in access.role_names(user) or getattr(user, "unit_id", None) is None:
        return {"returned": [], "draft": []}
    drafts = (session.query(Innovation, Competition)
              .join(Competition, Competition.id == Innovation.competition_id)
              .filter(access.innovation_criterion(user), Innovation.unit_id == user.unit_id,
                      Innovation.state == DRAFT)
              .order_by(Competition.submission_deadline, Innovation.id).all())
    last = _last_transitions(session, [i.id for i, _c in drafts])
    returned, open_drafts = [], []
    for innovation, competition in drafts:
        h = last.get(innovation.id)
        item = {"innovation": innovation, "competition": competition, "deadline": competition.submission_deadline,
                "deadline_open": competition.submission_deadline >= now,
                "days_left": days_left(competition.submission_deadline, now)}
        if h is not None and h.trigger == "return":
            item.update(note=h.comment, returned_at=h.at)
            returned.append(item)
        elif item["deadline_open"]:
            open_drafts.append(item)
    return {"returned": returned, "draft": open_drafts}


def sustainability_todos(session, user, year=None):
    """``sustainability`` (issue 12, monitoring): each of the unit's awarded innovations without this year's
    sustainability status (the rule is ``registry.missing_statuses``)."""
    from app.services import registry

    if "OPD" not in access.role_names(user) or getattr(user, "unit_id", None) is None:
        return []
    return registry.missing_statuses(session, year, unit_id=user.unit_id)


def sustainability_figure(session, year=None):
    """The Sekretariat's figure: awarded innovations per sustainability status this year (and not reported)."""
    from app.services import registry

    return registry.status_counts(session, year)


def verify_todos(session, user, limit=None):
    """The oldest ``limit`` submitted proposals the user may see, and how many there are:
    ``{"items": [...], "total": n}`` in one statement."""
    # The window count and the sort run over narrow (id, changed_on) rows; only the chosen rows are read whole.
    first = (select(Innovation.id, Innovation.changed_on, func.count().over().label("total"))
             .where(access.innovation_criterion(user), Innovation.state == InnovationState.SUBMITTED.value)
             .order_by(Innovation.changed_on, Innovation.id).limit(limit or TODO_LIMIT).subquery())
    rows = (session.query(Innovation, first.c.total).join(first, first.c.id == Innovation.id)
            .options(joinedload(Innovation.unit)).order_by(first.c.changed_on, first.c.id).all())
    return {"items": [row[0] for row in rows], "total": int(rows[0][1]) if rows else 0}


def _first(query, limit):
    """``{"items": the query's first ``limit`` rows, "total": how many rows it has}`` in ONE statement (the total
    is a window count over the filtered rows, evaluated before the LIMIT)."""
    rows = query.add_columns(func.count().over().label("total")).limit(limit or TODO_LIMIT).all()
    return {"items": [row[0] for row in rows], "total": int(rows[0][-1]) if rows else 0}


def round_todos(session, limit=None):
    """The open rounds (newest competition first) with their progress totals and participants:
    ``{"items": [...], "total": n}``; a constant number of statements (no query per round)."""
    first_open = _first(session.query(Round).join(Round.competition).options(contains_eager(Round.competition))
                        .filter(Round.closed_at.is_(None))
                        .order_by(Competition.year.desc(), Competition.id.desc(), Round.sequence), limit)
    rounds, total = first_open["items"], first_open["total"]
    if not rounds:
        return {"items": [], "total": total}
    assigned, final = round_progress(session, [r.id for r in rounds])
    competition_ids = {r.competition_id for r in rounds}
    # An innovation without a current round is in its competition's first round (judging.participant_criterion).
    first = dict(session.execute(
        select(Round.competition_id, Round.id).where(Round.competition_id.in_(competition_ids))
        .order_by(Round.competition_id, Round.sequence.desc(), Round.id.desc())).all())
    # The participants as the progress page counts them (judging.took_part_criterion): verified and in the round
    # now, or judged in it already (an active assignment); one statement for every round shown.
    round_ids = [r.id for r in rounds]
    now_in = (select(func.coalesce(Innovation.current_round_id,
                                   case(first, value=Innovation.competition_id)).label("round_id"),
                     Innovation.id.label("innovation_id"))
              .where(Innovation.competition_id.in_(competition_ids),
                     Innovation.state == InnovationState.VERIFIED.value))
    judged = (select(Assignment.round_id.label("round_id"), Assignment.innovation_id.label("innovation_id"))
              .where(Assignment.round_id.in_(round_ids), Assignment.status == "active"))
    pairs = now_in.union(judged).subquery("round_participants")
    took_part = dict(session.execute(select(pairs.c.round_id, func.count()).where(pairs.c.round_id.in_(round_ids))
                                     .group_by(pairs.c.round_id)).all())
    items = []
    for rnd in rounds:
        participants = int(took_part.get(rnd.id, 0))
        a, f = assigned.get(rnd.id, 0), final.get(rnd.id, 0)
        items.append({"round": rnd, "assigned": a, "final": f, "participants": participants,
                      "percent": round(100 * f / a) if a else 0})
    return {"items": items, "total": total}


def round_progress(session, round_ids):
    """({round id: active assignments}, {round id: final sheets of active assignments}) of these rounds only."""
    if not round_ids:
        return {}, {}
    rows = session.execute(
        select(Assignment.round_id, func.count(Assignment.id), func.count(ScoreSheet.id))
        .outerjoin(ScoreSheet, and_(ScoreSheet.assignment_id == Assignment.id, ScoreSheet.is_final.is_(True)))
        .where(Assignment.round_id.in_(round_ids), Assignment.status == "active")
        .group_by(Assignment.round_id)).all()
    return {r: int(a) for r, a, _f in rows}, {r: int(f) for r, _a, f in rows}


def objection_todos(session, user, limit=None):
    """The oldest ``limit`` unanswered (open) objections the user may read (the objection API's row rule) and
    their total."""
    from app.models import Objection

    return _first(session.query(Objection).options(joinedload(Objection.innovation))
                  .filter(access.objection_criterion(user), Objection.state == "open")
                  .order_by(Objection.created_on, Objection.id), limit)


def decree_todos(session, state="draft"):
    return session.query(Decree).filter(Decree.state == state).order_by(Decree.id).all()


def decree_draft_todos(session, limit=None):
    """The first ``limit`` decree drafts (with their competition) and their total."""
    return _first(session.query(Decree).options(joinedload(Decree.competition)).filter(Decree.state == "draft")
                  .order_by(Decree.id), limit)


def sheet_todos(session, user):
    """Each of the juror's own active assignments whose sheet is not final (open rounds first in order)."""
    final = (select(ScoreSheet.id).where(ScoreSheet.assignment_id == Assignment.id,
                                         ScoreSheet.is_final.is_(True)).exists())
    return (session.query(Assignment).join(Round, Round.id == Assignment.round_id)
            .filter(access.assignment_criterion(user), Assignment.juror_id == user.id,
                    Assignment.status == "active", ~final)
            .order_by(Round.competition_id.desc(), Round.sequence, Assignment.id).all())


def sheet_done_count(session, user):
    return session.execute(
        select(func.count()).select_from(Assignment).join(ScoreSheet, ScoreSheet.assignment_id == Assignment.id)
        .where(access.assignment_criterion(user), Assignment.juror_id == user.id, ScoreSheet.is_final.is_(True))
    ).scalar()


def _paraf_chain():
    """The configured paraf chain (role names in order; () when none)."""
    from flask import current_app

    return tuple(decrees.paraf_chain(current_app.config))


def sign_todos(session, user):
    """Each decree draft awaiting the signer: every draft whose paraf chain (when configured) is complete."""
    if "Penandatangan" not in access.role_names(user):
        return []
    drafts = decree_todos(session)
    chain = _paraf_chain()
    if chain:
        drafts = [d for d in drafts if decrees.chain_problem(session, d, chain) is None]
    return drafts


def paraf_todos(session, user):
    """Each decree draft whose next paraf step is one of the user's roles (Hukum and the chain's other roles)."""
    chain = _paraf_chain()
    roles = access.role_names(user)
    if not chain or not roles & set(chain):
        return []
    return [d for d in decree_todos(session) if decrees.paraf_problem(session, d, roles, chain) is None]


# -- the Sekretariat's dashboard ------------------------------------------------------------------------


def current_competition(session, competition_id=None):
    query = session.query(Competition)
    if competition_id is not None:
        return query.filter(Competition.id == competition_id).first()
    return query.order_by(Competition.year.desc(), Competition.id.desc()).first()


def dashboard(session, user, competition, state_labels, open_rounds=None):
    """The competition's figures, each a list of (label, value) pairs (the charts and their tables).
    ``open_rounds``: :func:`round_todos`' items when already counted (their progress is not counted again)."""
    cid = competition.id
    per_state = dict(session.execute(
        select(Innovation.state, func.count()).where(Innovation.competition_id == cid)
        .group_by(Innovation.state)).all())
    states = [(str(label), int(per_state.get(str(state), 0))) for state, label in state_labels.items()]
    per_kind = dict(session.execute(
        select(Unit.kind, func.count()).select_from(Innovation).join(Unit, Unit.id == Innovation.unit_id)
        .where(Innovation.competition_id == cid, Innovation.state.notin_(LIVE_EXCLUDED))
        .group_by(Unit.kind)).all())
    kinds = [(UNIT_KIND_LABELS.get(k, k), int(per_kind.get(k, 0))) for k in UNIT_KINDS]
    part = participation.per_kind(session, cid, user)
    part = [{**p, "label": UNIT_KIND_LABELS.get(p["kind"], p["kind"])} for p in part]
    competition_rounds = (session.query(Round).filter(Round.competition_id == cid)
                          .order_by(Round.sequence).all())
    known = {item["round"].id: item for item in (open_rounds or ())}
    assigned, final = round_progress(session, [r.id for r in competition_rounds if r.id not in known])
    assigned.update({rid: item["assigned"] for rid, item in known.items()})
    final.update({rid: item["final"] for rid, item in known.items()})
    jury = [{"label": rnd.name, "assigned": assigned.get(rnd.id, 0), "final": final.get(rnd.id, 0),
             "percent": round(100 * final.get(rnd.id, 0) / assigned[rnd.id]) if assigned.get(rnd.id) else 0,
             "closed": rnd.closed_at is not None}
            for rnd in competition_rounds]
    return {"competition": competition, "states": states, "kinds": kinds, "participation": part,
            "participation_total": {"units": sum(p["units"] for p in part),
                                    "missing": sum(p["without"] for p in part)},
            "jury": jury, "scores": score_distribution(session, cid, competition_rounds)}


SCORE_BINS = tuple(range(0, 100, 10))


def score_distribution(session, competition_id, rounds=None):
    """How many innovations scored in each band of 10 points, in the latest round that has final sheets; counted by
    the database from the ranking's own round score (one statement per round tried, no ranking rows loaded)."""
    if rounds is None:
        rounds = (session.query(Round).filter(Round.competition_id == competition_id)
                  .order_by(Round.sequence).all())
    last = len(SCORE_BINS) - 1
    # Only the rounds with a final sheet (one indexed EXISTS per round, in one statement), latest first: the bands
    # are counted once, not for every empty later round.
    with_sheets = set(session.execute(
        select(Round.id).where(Round.competition_id == competition_id,
                               select(ScoreSheet.id).join(Assignment, Assignment.id == ScoreSheet.assignment_id)
                               .where(Assignment.round_id == Round.id, Assignment.status == "active",
                                      ScoreSheet.is_final.is_(True)).exists())).scalars())
    for rnd in sorted((r for r in rounds if r.id in with_sheets), key=lambda r: r.sequence, reverse=True):
        scores = ranking.round_scores_statement(rnd).subquery()
        # Comparisons, not a cast (PostgreSQL rounds a float cast to integer): the band of Python's
        # min(int(score // 10), 9) for a score clamped to 0–100.
        band = case(*((scores.c.score < low + 10, n) for n, low in enumerate(SCORE_BINS[:-1])), else_=last)
        per_band = dict(session.execute(select(band, func.count()).group_by(band)).all())
        if per_band:
            counts = [int(per_band.get(n, 0)) for n in range(len(SCORE_BINS))]
            labels = [f"{low}–{low + 10 if low < 90 else 100}" for low in SCORE_BINS]
            return {"round": rnd, "bins": list(zip(labels, counts)), "count": sum(counts)}
    return None


def bar_chart(pairs, plot_width=360, bar=30, gap=10):
    """Geometry of a horizontal bar chart drawn as SVG by the template (no script, no other host); the label column
    is as wide as the longest label (17 px type, about 9.5 px a character)."""
    top = max([v for _l, v in pairs] + [1])
    label_width = round(max([len(str(label)) for label, _v in pairs] + [4]) * 9.5) + 16
    plot = plot_width
    width = label_width + plot_width + 70
    bars = []
    for n, (label, value) in enumerate(pairs):
        y = n * (bar + gap)
        bars.append({"label": label, "value": value, "y": y, "text_y": y + bar * 0.68,
                     "w": round(plot * value / top, 1) if value else 0})
    height = max(len(pairs) * (bar + gap) - gap, bar)
    return {"bars": bars, "width": width, "height": height, "bar": bar, "x0": label_width,
            "value_x": label_width + 8}


def unit_of(session, user):
    return session.get(Unit, user.unit_id) if getattr(user, "unit_id", None) is not None else None


def opd_summary(session, user):
    """The unit's proposals per competition and state (its own rows only)."""
    if getattr(user, "unit_id", None) is None:
        return []
    rows = session.execute(
        select(Competition, Innovation.state, func.count())
        .join(Innovation, and_(Innovation.competition_id == Competition.id, Innovation.unit_id == user.unit_id))
        .where(access.innovation_criterion(user))
        .group_by(Competition.id, Innovation.state).order_by(Competition.year.desc())).all()
    result = {}
    for competition, state, count in rows:
        result.setdefault(competition.id, {"competition": competition, "states": {}})["states"][state] = int(count)
    return list(result.values())
