"""A proposing unit's results (issue 10): each of its innovations with its rank and score in every closed round
and, where the competition enables it (``feedback_to_units``), the jurors' comments without their names.
Starts from the row rule of the innovation API (:func:`app.services.access.innovation_criterion`)."""
from sqlalchemy import select

from app.models import Assignment, Award, Competition, Innovation, Round, ScoreSheet
from app.services import access, ranking


def unit_results(session, user):
    if getattr(user, "unit_id", None) is None:
        return []
    innovations = (session.query(Innovation).join(Competition, Competition.id == Innovation.competition_id)
                   .filter(access.innovation_criterion(user), Innovation.unit_id == user.unit_id)
                   .order_by(Competition.year.desc(), Innovation.id).all())
    if not innovations:
        return []
    ids = [i.id for i in innovations]
    awards = {a.innovation_id: a for a in session.query(Award).filter(Award.innovation_id.in_(ids))}
    competition_ids = {i.competition_id for i in innovations}
    closed = (session.query(Round).filter(Round.competition_id.in_(competition_ids), Round.closed_at.isnot(None))
              .order_by(Round.sequence).all())
    standings = {}
    for rnd in closed:
        rows = ranking.round_ranking(session, rnd)
        per_bucket = {}  # ranks are per group × category (issue 12)
        for row in rows:
            per_bucket[row["bucket"]] = per_bucket.get(row["bucket"], 0) + 1
        for row in rows:
            if row["innovation_id"] in ids:
                standings.setdefault(row["innovation_id"], []).append(
                    {"round": rnd, "rank": row["rank"], "of": per_bucket[row["bucket"]],
                     "score": row["score_display"], "category": row["category_label"]})
    feedback = _comments(session, [i.id for i in innovations if i.competition is not None
                                   and i.competition.feedback_to_units], [r.id for r in closed])
    return [{"innovation": i, "award": awards.get(i.id), "rounds": standings.get(i.id, []),
             "feedback_enabled": bool(i.competition and i.competition.feedback_to_units),
             "comments": feedback.get(i.id, {})} for i in innovations]


def _comments(session, innovation_ids, closed_round_ids):
    """{innovation id: {round id: [comment, ...]}}: the comments of the final sheets of active assignments in
    closed rounds, in no juror's name (the juror is never selected)."""
    if not innovation_ids or not closed_round_ids:
        return {}
    rows = session.execute(
        select(Assignment.innovation_id, Assignment.round_id, ScoreSheet.comment)
        .join(ScoreSheet, ScoreSheet.assignment_id == Assignment.id)
        .where(Assignment.innovation_id.in_(innovation_ids), Assignment.round_id.in_(closed_round_ids),
               Assignment.status == "active", ScoreSheet.is_final.is_(True))
        .order_by(Assignment.innovation_id, Assignment.round_id, ScoreSheet.id)).all()
    result = {}
    for innovation_id, round_id, comment in rows:
        if comment and comment.strip():
            result.setdefault(innovation_id, {}).setdefault(round_id, []).append(comment.strip())
    return result
