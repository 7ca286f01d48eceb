"""User accounts: creation with role and unit rules, password strength."""
import re

from flask import current_app
from flask_babel import gettext as _
from werkzeug.security import generate_password_hash

from app.models import Unit, User
from app.services.errors import Invalid

ROLES_REQUIRING_UNIT = ("OPD",)
ROLES_ALLOWING_UNIT = ("OPD", "Juri")


def password_problem(password):
    """None if strong enough: at least 10 characters with lower case, upper case, a digit and a symbol."""
    password = password or ""
    if (len(password) < 10 or not re.search(r"[a-z]", password) or not re.search(r"[A-Z]", password)
            or not re.search(r"\d", password) or not re.search(r"[^A-Za-z0-9]", password)):
        return _("The password is too weak: use at least 10 characters with upper and lower case letters, "
                 "a digit and a symbol.")
    return None


def validate_password_strength(password):
    """FAB_PASSWORD_COMPLEXITY_VALIDATOR: raises wtforms' ValidationError like FAB expects."""
    from wtforms.validators import ValidationError

    problem = password_problem(password)
    if problem:
        raise ValidationError(problem)


def add_user(session, *, username, password, role, unit_code=None, name=None, email=None):
    sm = current_app.appbuilder.sm
    username = (username or "").strip()
    if not username:
        raise Invalid(_("A username is required."), field="username")
    role_obj = sm.find_role(role)
    if role_obj is None or role == current_app.config.get("AUTH_ROLE_PUBLIC", "Public"):
        raise Invalid(_("Unknown role \"%(role)s\". Choose one of: %(roles)s.", role=role,
                        roles="Admin, Sekretariat, OPD, Juri, Penandatangan"), field="role")
    unit = None
    if unit_code:
        if role not in ROLES_ALLOWING_UNIT:
            raise Invalid(_("Role %(role)s does not belong to a unit.", role=role), field="unit")
        unit = session.query(Unit).filter_by(code=unit_code).one_or_none()
        if unit is None:
            raise Invalid(_("Unknown unit code \"%(code)s\".", code=unit_code), field="unit")
    elif role in ROLES_REQUIRING_UNIT:
        raise Invalid(_("A user with role OPD must belong to a unit (--unit CODE)."), field="unit")
    if session.query(User.id).filter(User.username == username).first():
        raise Invalid(_("The username \"%(username)s\" is already taken.", username=username), field="username")
    problem = password_problem(password)
    if problem:
        raise Invalid(problem, field="password")
    email = email or f"{username}@sikipp.invalid"
    if session.query(User.id).filter(User.email == email).first():
        raise Invalid(_("The e-mail address \"%(email)s\" is already used.", email=email), field="email")
    first, _sep, last = (name or username).partition(" ")
    user = User(username=username, first_name=first[:64], last_name=(last or "-")[:64], email=email, active=True,
                roles=[role_obj], unit_id=unit.id if unit else None)
    user.password = generate_password_hash(password,
                                           method=current_app.config.get("FAB_PASSWORD_HASH_METHOD", "scrypt"))
    session.add(user)
    session.commit()
    return user
