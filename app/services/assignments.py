"""Jury assignments: who scores what, never a juror of the innovation's own unit."""
from flask_babel import gettext as _

from app.models import Innovation, Round, User
from app.services.errors import Invalid


def validate_assignment(session, assignment):
    rnd = session.get(Round, assignment.round_id) if assignment.round_id else None
    if rnd is None:
        raise Invalid(_("Unknown round."), field="round_id")
    innovation = session.get(Innovation, assignment.innovation_id) if assignment.innovation_id else None
    if innovation is None or innovation.competition_id != rnd.competition_id:
        raise Invalid(_("Unknown innovation for this round's competition."), field="innovation_id")
    juror = session.get(User, assignment.juror_id) if assignment.juror_id else None
    if juror is None or "Juri" not in {r.name for r in juror.roles}:
        raise Invalid(_("The juror must be a user with the Juri role."), field="juror_id")
    if juror.unit_id is not None and juror.unit_id == innovation.unit_id:
        raise Invalid(_("Conflict of interest: the juror belongs to the innovation's own unit."), field="juror_id")
