"""User accounts: the password rule, password hashing, the credential stamp, and the checks of a new account.

The password rule is written once (:func:`password_problem`); FAB's forms and security API call it through
``FAB_PASSWORD_COMPLEXITY_VALIDATOR`` (:func:`validate_password_complexity`), the commands in
``app.commands.users`` through :func:`password_problem` directly.
"""
import hashlib
import hmac
import re

from flask import current_app
from flask_babel import gettext as _
from werkzeug.security import generate_password_hash

from app.models import Unit, User
from app.services.errors import Invalid

ROLES_REQUIRING_UNIT = ("OPD",)
ROLES_ALLOWING_UNIT = ("OPD", "Juri")
MIN_PASSWORD_LENGTH = 10


def password_problem(password):
    """None if strong enough: at least 10 characters with lower case, upper case, a digit and a symbol;
    otherwise the reason, for the user."""
    password = password if isinstance(password, str) else ""
    if (len(password) < MIN_PASSWORD_LENGTH or not re.search(r"[a-z]", password)
            or not re.search(r"[A-Z]", password) or not re.search(r"\d", password)
            or not re.search(r"[^A-Za-z0-9]", password)):
        return _("The password is too weak: use at least 10 characters with upper and lower case letters, "
                 "a digit and a symbol.")
    return None


def validate_password_complexity(password):
    """FAB_PASSWORD_COMPLEXITY_VALIDATOR: FAB's form and API validators call it and turn the
    ``PasswordComplexityValidationError`` it raises into a field error (form) or a 400 (API)."""
    from flask_appbuilder.exceptions import PasswordComplexityValidationError

    problem = password_problem(password)
    if problem:
        raise PasswordComplexityValidationError(problem)


def hash_password(password):
    cfg = current_app.config
    return generate_password_hash(password, method=cfg.get("FAB_PASSWORD_HASH_METHOD", "scrypt"),
                                  salt_length=cfg.get("FAB_PASSWORD_HASH_SALT_LENGTH", 16))


def credential_stamp(user):
    """A short keyed digest of the user's stored password hash. Logins put it in the browser session and in
    JWTs (claim ``cred``); a session or token whose stamp no longer matches (the password was changed or
    reset since, by any door, in any process) is refused. Keyed by SECRET_KEY: it reveals nothing."""
    secret = current_app.config["SECRET_KEY"]
    secret = secret.encode() if isinstance(secret, str) else secret
    stored = (getattr(user, "password", None) or "").encode()
    return hmac.new(secret, b"sikipp-credential:" + stored, hashlib.sha256).hexdigest()[:32]


def check_new_user(session, *, username, role, unit_code=None, email=None):
    """Check a new account's username, role, unit and e-mail (raises Invalid); returns (username, role, unit)."""
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
    if email and session.query(User.id).filter(User.email == email).first():
        raise Invalid(_("The e-mail address \"%(email)s\" is already used.", email=email), field="email")
    return username, role_obj, unit
