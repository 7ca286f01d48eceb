"""Innovation proposals: ownership and the draft-only editing rule."""
from flask_babel import gettext as _

from app.models import Competition
from app.services import access
from app.services.errors import Conflict, Forbidden, Invalid


def prepare_new(session, innovation, user):
    """A new proposal belongs to the proposer's unit and starts as a draft, whatever the client sent."""
    roles = access.role_names(user)
    if not roles & {"OPD", "Admin"}:
        raise Forbidden(_("Only a proposing unit may create innovations."))
    innovation.unit_id = access.ensure_unit_for_proposer(user)
    innovation.state = "draft"
    innovation.version = 1
    innovation.created_by_id = user.id
    if innovation.competition_id is None or session.get(Competition, innovation.competition_id) is None:
        raise Invalid(_("Unknown competition."), field="competition_id")


def ensure_editable(innovation, user, action="edit"):
    """OPD edits and deletes its own drafts only: 403 for another unit or role, 409 outside draft."""
    if not access.owns_innovation(user, innovation):
        raise Forbidden(_("Only the proposing unit may change this innovation."))
    if innovation.state != "draft":
        if action == "delete":
            raise Conflict(_("Only a draft can be deleted; this innovation is \"%(state)s\".", state=innovation.state))
        raise Conflict(_("Only a draft can be edited; this innovation is \"%(state)s\".", state=innovation.state))
