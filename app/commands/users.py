"""Account use cases (DESIGN §8 "change a password"): one command sets a password, for every door.

Doors: own change (/resetmypassword/form), the Admin's reset (/resetpassword/form?pk=…), the user add form,
FAB's security API (POST/PUT /api/v1/security/users/) and the CLI (``kipp add-user``). The rule
(``app.services.users.password_problem``) is checked here; the audit row never holds the password.

A new password ends every session and token of the account: logins carry a stamp of the stored password
hash (``credential_stamp``) that no longer matches once the hash changes (checked in app.security).
"""
from __future__ import annotations

import datetime as dt

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from app.commands.base import BaseCommand
from app.models import User
from app.services import access, text_rules
from app.services import users as user_service
from app.services.errors import Conflict, Forbidden, Invalid, NotFound

# Permissions that let a user set other accounts' passwords (FAB's reset action, user add/edit, security API).
_MANAGE_USERS = {"resetpasswords", "can_add", "can_edit", "can_post", "can_put"}


def may_manage_users(actor) -> bool:
    if actor is None or access.is_admin(actor):
        return True  # None: the CLI or the system itself
    sm = current_app.appbuilder.sm  # type: ignore[attr-defined]  # set by FAB's AppBuilder.init_app
    views = {sm.userdbmodelview.__name__, "User"}
    return any(pv.permission.name in _MANAGE_USERS and pv.view_menu.name in views
               for role in getattr(actor, "roles", []) for pv in role.permissions)


class SetPassword(BaseCommand):
    """Set a password: a new account's first one, the user's own change, or a reset by an Admin.
    ``user`` is a User row (a new, not yet added one too) or its id."""

    target_type = "user"

    def __init__(self, actor, user, password, *, session=None):
        super().__init__(actor, session=session)
        self.user = user
        self.password = password
        self.new = isinstance(user, User) and user.id is None

    @property
    def action(self):  # type: ignore[override]
        if self.new:
            return "user.password_set"
        if self.actor is not None and self.user is not None and getattr(self.user, "id", None) == self.actor.id:
            return "user.password_change"
        return "user.password_reset"

    def validate(self):
        if not isinstance(self.user, User):
            pk = str(self.user or "")
            self.user = self.session.get(User, int(pk)) if text_rules.is_digits(pk) and int(pk) < 2**31 else None
            if self.user is None:
                raise NotFound(_("No such user."))
        self.target_id = self.user.id
        own = self.actor is not None and self.user.id is not None and self.user.id == self.actor.id
        if not (own or may_manage_users(self.actor)):
            raise Forbidden(_("You may only change your own password."))
        problem = user_service.password_problem(self.password)
        if problem:
            raise Invalid(problem, field="password")

    def perform(self):
        user = self.user
        user.password = user_service.hash_password(self.password)
        user.password_changed_at = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
        if user not in self.session:
            self.session.add(user)
        try:
            self.session.flush()
        except IntegrityError:
            raise Conflict(_("The username or e-mail address is already used by another account.")) from None
        self.target_id = user.id
        self.after = {"username": user.username}
        return user


class CreateUser(BaseCommand):
    """A new account with its role (and unit), e.g. ``kipp add-user``; its password through SetPassword."""

    action = "user.create"
    target_type = "user"

    def __init__(self, actor, *, username, password, role, unit_code=None, name=None, email=None, session=None):
        super().__init__(actor, session=session)
        self.fields = dict(username=username, role=role, unit_code=unit_code, name=name, email=email)
        self.password = password

    def validate(self):
        f = self.fields
        username = (f["username"] or "").strip()
        f["email"] = f["email"] or f"{username}@sikipp.invalid"
        self.checked = user_service.check_new_user(self.session, username=username, role=f["role"],
                                                   unit_code=f["unit_code"], email=f["email"])
        if not may_manage_users(self.actor):
            raise Forbidden(_("You may not create accounts."))

    def perform(self):
        username, role, unit = self.checked
        first, _sep, last = (self.fields["name"] or username).partition(" ")
        user = User(username=username, first_name=first[:64], last_name=(last or "-")[:64], email=self.fields["email"],
                    active=True, roles=[role], unit_id=unit.id if unit else None)
        SetPassword(self.actor, user, self.password, session=self.session).run()
        self.target_id = user.id
        self.after = {"username": username, "role": role.name, "unit": unit.code if unit else None}
        return user


def add_user(session, *, username, password, role, unit_code=None, name=None, email=None):
    """Create an account as the system (CLI, demo, fixtures): :class:`CreateUser` with no actor."""
    return CreateUser(None, username=username, password=password, role=role, unit_code=unit_code, name=name,
                      email=email, session=session).run()
