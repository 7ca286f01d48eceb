"""Row-level rules of DESIGN §2, as SQL criteria and checks that every path (list, show, edit, delete,
API POST/PUT, actions, files, exports, workflow endpoints) applies."""
from flask_babel import gettext as _
from sqlalchemy import false, select, true

from app.models import Assignment, Attachment, Innovation, ScoreSheet, Unit, User

PRIVILEGED_ROLES = ("Admin", "Sekretariat")


def role_names(user):
    return {r.name for r in getattr(user, "roles", None) or []}


def is_admin(user):
    """The user holds FAB's admin role (``AUTH_ROLE_ADMIN``)."""
    from flask import current_app

    return current_app.config.get("AUTH_ROLE_ADMIN", "Admin") in role_names(user)


def is_privileged(user):
    return bool(role_names(user) & set(PRIVILEGED_ROLES))


def innovation_criterion(user):
    """Which innovations ``user`` may see."""
    roles = role_names(user)
    if roles & {"Admin", "Sekretariat", "Penandatangan"}:
        return true()
    clauses = []
    if "OPD" in roles and user.unit_id is not None:
        clauses.append(Innovation.unit_id == user.unit_id)
    if "Juri" in roles:
        assigned = select(Assignment.innovation_id).where(Assignment.juror_id == user.id)
        clauses.append(Innovation.id.in_(assigned))
    if not clauses:
        return false()
    from sqlalchemy import or_

    return or_(*clauses)


def unit_criterion(user):
    roles = role_names(user)
    if roles & {"Admin", "Sekretariat", "Penandatangan", "Juri"}:
        return true()
    if "OPD" in roles and user.unit_id is not None:
        return Unit.id == user.unit_id
    return false()


def assignment_criterion(user):
    roles = role_names(user)
    if roles & {"Admin", "Sekretariat"}:
        return true()
    if "Juri" in roles:
        return Assignment.juror_id == user.id
    return false()


def can_see_innovation(user, innovation):
    from app.extensions import db

    return db.session.execute(
        select(Innovation.id).where(Innovation.id == innovation.id, innovation_criterion(user))
    ).first() is not None


def owns_innovation(user, innovation):
    """The ``OPD (own unit)`` rule: the user's unit proposed it (Admin may act for any unit)."""
    if "Admin" in role_names(user):
        return True
    return user is not None and user.unit_id is not None and user.unit_id == innovation.unit_id


def ensure_unit_for_proposer(user):
    """The unit a new innovation belongs to: always the OPD user's own, never a client-sent one."""
    from app.services.errors import Invalid

    if getattr(user, "unit_id", None) is None:
        raise Invalid(_("Your account is not linked to a unit; ask the Sekretariat to link it."), field="unit_id")
    return user.unit_id


def user_criterion(user):
    """Which user accounts ``user`` may see named (a juror in an assignment, an author): the Sekretariat and
    the Admin all of them (they assign jurors); anyone else only itself (the API shows no one else)."""
    if is_privileged(user):
        return true()
    return User.id == getattr(user, "id", None) if user is not None else false()


def signer_profile_criterion(user):
    """Signing profiles: the Sekretariat and the Admin see (and edit) all; a signer only its own."""
    from app.models import SignerProfile

    if is_privileged(user):
        return true()
    return SignerProfile.user_id == getattr(user, "id", None) if user is not None else false()


def score_sheet_criterion(user):
    if is_privileged(user):
        return true()
    return ScoreSheet.assignment_id.in_(select(Assignment.id).where(assignment_criterion(user)))


def attachment_criterion(user):
    return Attachment.innovation_id.in_(select(Innovation.id).where(innovation_criterion(user)))


def may_see_award(user, award):
    """Row rule of an award's documents (its certificate): privileged roles and the signer see all; an OPD user
    its own unit's awards only."""
    roles = role_names(user)
    if roles & {"Admin", "Sekretariat", "Penandatangan"}:
        return True
    if "OPD" in roles and getattr(user, "unit_id", None) is not None:
        from app.extensions import db

        innovation = db.session.get(Innovation, award.innovation_id)
        return innovation is not None and innovation.unit_id == user.unit_id
    return False


def criterion_for_model(model):
    """The row rule of ``model`` (a SQL criterion factory taking the user), or None where every user who may
    read the resource sees every row (competitions, rounds, criteria): screens filter related-field choices,
    filter dropdowns and autocomplete lists with it, so they never name a row the API hides."""
    return {Innovation: innovation_criterion, Unit: unit_criterion, Assignment: assignment_criterion,
            User: user_criterion, ScoreSheet: score_sheet_criterion, Attachment: attachment_criterion}.get(model)


def objection_criterion(user):
    """Objections (with the objector's name and e-mail address) are read by the Sekretariat and the Admin only."""
    return true() if is_privileged(user) else false()
