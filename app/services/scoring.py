"""Scoring facts the workflow needs (the full aggregation comes with the jury issue)."""
from flask_babel import gettext as _
from sqlalchemy import func

from app.models import Assignment, Round, ScoreSheet


def current_round(session, innovation):
    if innovation.current_round_id is not None:
        return session.get(Round, innovation.current_round_id)
    return (session.query(Round).filter(Round.competition_id == innovation.competition_id)
            .order_by(Round.sequence).first())


def score_problem(session, innovation):
    """``score`` guard: every active assignment of the current round has a final sheet (at least one)."""
    rnd = current_round(session, innovation)
    if rnd is None:
        return _("The competition has no judging round.")
    base = session.query(Assignment).filter(Assignment.round_id == rnd.id, Assignment.innovation_id == innovation.id,
                                            Assignment.status == "active")
    total = base.count()
    if total == 0:
        return _("No juror is assigned to this innovation in round \"%(round)s\".", round=rnd.name)
    final = (base.join(ScoreSheet, ScoreSheet.assignment_id == Assignment.id)
             .filter(ScoreSheet.is_final.is_(True)).with_entities(func.count(Assignment.id)).scalar())
    if final < total:
        return _("%(final)s of %(total)s score sheets of round \"%(round)s\" are final.",
                 final=final, total=total, round=rnd.name)
    return None
