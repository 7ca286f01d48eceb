"""One security manager: SIKIPP's user model, role definitions and their seeding, login throttling.

Role definitions (DESIGN §2) are seeded at every start: what is missing is added, and a grant seeded
once is recorded in ``seeded_permission`` so that it is never re-added after an Admin removes it in
the Security screens, and never removed by us.
"""
from flask import current_app, g, jsonify, request
from flask_babel import lazy_gettext
from flask_appbuilder.security.sqla.manager import SecurityManager
from flask_appbuilder.security.views import UserDBModelView

from app.models import SeededPermission, User
from app.services import login_throttle

READ, ADD, EDIT, DELETE = "can_read", "can_add", "can_edit", "can_delete"
ALL = (READ, ADD, EDIT, DELETE)
CERTIFICATE = "can_certificate"  # download an award's certificate (OPD: its own unit's only, app/api/documents.py)

# Resource permissions per role. Views and APIs of a resource share one view menu (its
# ``class_permission_name``) and the four permissions above (see app.api.base.METHOD_PERMISSIONS).
ROLE_RESOURCES = {
    "Sekretariat": {
        "Unit": ALL, "Competition": ALL, "Round": ALL, "Criterion": ALL, "Innovation": (READ,),
        "Assignment": ALL, "Award": (READ, CERTIFICATE), "Decree": ALL, "Workflows": (READ,),
        "Verification": (READ,), "Participation": (READ,), "AuditLog": (READ,),
        "Judging": (READ, EDIT), "ScoreSheet": (READ, "can_recuse", "can_reopen"),
    },
    "OPD": {
        "Unit": (READ,), "Competition": (READ,), "Round": (READ,), "Criterion": (READ,), "Innovation": ALL,
        "Award": (CERTIFICATE,),
        "Participation": (READ,),
    },
    "Juri": {
        "Competition": (READ,), "Round": (READ,), "Criterion": (READ,), "Innovation": (READ,),
        "Assignment": (READ,), "ScoreSheet": (READ, EDIT, "can_recuse"),
    },
    "Penandatangan": {
        "Competition": (READ,), "Innovation": (READ,), "Award": (READ, CERTIFICATE), "Decree": (READ,),
    },
}

# Menus each role sees (FAB "menu_access" on the menu item's name).
ROLE_MENUS = {
    "Sekretariat": ("KIPP", "Verification Queue", "Participation Overview", "Units", "Competitions", "Rounds", "Criteria", "Innovations", "Assignments",
                    "Awards", "Decrees", "Workflow Diagrams", "Official Documents", "Judging Progress", "Audit Log",
                    "Innovation Catalogue"),
    "OPD": ("KIPP", "Innovations", "Competitions", "Units", "Participation Overview", "Innovation Catalogue"),
    "Juri": ("KIPP", "My Score Sheets", "Assignments", "Competitions", "Innovation Catalogue"),
    "Penandatangan": ("KIPP", "Innovations", "Awards", "Decrees", "Competitions", "Official Documents",
                      "Innovation Catalogue"),
    # Anonymous visitors (AUTH_ROLE_PUBLIC): only the link to the public catalogue (app/views/catalogue.py).
    "Public": ("Innovation Catalogue",),
}

# What every signed-in user needs: own profile, own password, the API spec.
SELF_SERVICE = (
    ("can_userinfo", "UserDBModelView"),
    ("resetmypassword", "UserDBModelView"),
    ("userinfoedit", "UserDBModelView"),
    ("can_this_form_get", "ResetMyPasswordView"),
    ("can_this_form_post", "ResetMyPasswordView"),
    ("can_this_form_get", "UserInfoEditView"),
    ("can_this_form_post", "UserInfoEditView"),
    ("can_get", "OpenApi"),
    ("can_get", "MenuApi"),
)

ROLES = ("Admin", "Sekretariat", "OPD", "Juri", "Penandatangan")


class SikippUserDBModelView(UserDBModelView):
    """FAB's user screens with the user's unit."""

    label_columns = {**UserDBModelView.label_columns, "unit": lazy_gettext("Unit")}
    add_columns = UserDBModelView.add_columns + ["unit"]
    edit_columns = ["first_name", "last_name", "username", "active", "email", "roles", "unit"]
    list_columns = ["first_name", "last_name", "username", "email", "active", "roles", "unit"]
    show_fieldsets = [
        ("User info", {"fields": ["username", "active", "roles", "unit", "login_count"]}),
        ("Personal Info", {"fields": ["first_name", "last_name", "email"], "expanded": True}),
        ("Audit Info", {"fields": ["last_login", "fail_login_count", "created_on", "changed_on"],
                        "expanded": False}),
    ]


class SikippSecurityManager(SecurityManager):
    user_model = User
    userdbmodelview = SikippUserDBModelView

    # Extra grants contributed by other modules (workflow triggers): {role: [(perm, view_menu)]}
    extra_role_grants: dict = {}

    def role_definitions(self):
        """Every (role, permission, view menu) grant SIKIPP seeds."""
        grants = []
        for role, resources in ROLE_RESOURCES.items():
            for view_menu, perms in resources.items():
                grants += [(role, perm, view_menu) for perm in perms]
        for role, menus in ROLE_MENUS.items():
            role = self.auth_role_public if role == "Public" else role  # the configured AUTH_ROLE_PUBLIC
            grants += [(role, "menu_access", menu) for menu in menus]
        for role in ROLES[1:]:
            grants += [(role, perm, vm) for perm, vm in SELF_SERVICE]
        for role, pairs in self.extra_role_grants.items():
            grants += [(role, perm, vm) for perm, vm in pairs]
        return grants

    def sync_role_definitions(self, extra_permissions=()):
        """Create missing roles/permissions and seed each defined grant once (idempotent)."""
        session = self.session
        # Roles first: FAB's add_permissions grants every new permission to the Admin role and, when that
        # role does not exist yet (first start on a fresh database), fails on the first permission of each
        # view and silently skips the rest (random ones, set order) — the Admin then lacked e.g. can_read.
        for role_name in ROLES + (self.auth_role_public,):
            if self.find_role(role_name) is None:
                self.add_role(role_name)
        self._share_view_menu_permissions()
        self.appbuilder.add_permissions(update_perms=True)
        for perm, view_menu in extra_permissions:
            self.add_permission_view_menu(perm, view_menu)
        seeded = {(s.role_name, s.permission_name, s.view_menu_name) for s in session.query(SeededPermission)}
        admin = self.find_role(self.auth_role_admin)
        grants = self.role_definitions()
        # Every defined permission exists before the Admin's list ("all of them") is taken below.
        for _role_name, perm, view_menu in grants:
            if self.find_permission_view_menu(perm, view_menu) is None:
                self.add_permission_view_menu(perm, view_menu)
        grants += [(admin.name, pv.permission.name, pv.view_menu.name)
                   for pv in session.query(self.permissionview_model) if pv.permission and pv.view_menu]
        roles = {}
        for role_name, perm, view_menu in grants:
            key = (role_name, perm, view_menu)
            if key in seeded:
                continue
            role = roles.get(role_name) or roles.setdefault(role_name, self.find_role(role_name))
            pv = self.find_permission_view_menu(perm, view_menu) or self.add_permission_view_menu(perm, view_menu)
            if pv not in role.permissions:
                role.permissions.append(pv)
            session.add(SeededPermission(role_name=role_name, permission_name=perm, view_menu_name=view_menu))
            seeded.add(key)
        session.commit()

    def _share_view_menu_permissions(self):
        """A resource's view and API share one view menu; FAB drops from a view menu every permission the
        view being registered lacks, so give every view of a view menu the union of their permissions."""
        by_menu = {}
        for view in self.appbuilder.baseviews:
            if view.base_permissions is not None:
                by_menu.setdefault(view.class_permission_name, set()).update(view.base_permissions)
        for view in self.appbuilder.baseviews:
            if view.base_permissions is not None:
                view.base_permissions = sorted(by_menu[view.class_permission_name])

    # -- login throttling (form and API share auth_user_db) --------------------------
    def auth_user_db(self, username, password):
        user = super().auth_user_db(username, password)
        if user is None:
            login_throttle.record_failure(username, request.remote_addr if request else None)
        return user

    def user_has_role(self, user, *names):
        return bool({r.name for r in getattr(user, "roles", [])} & set(names))


def is_admin(user) -> bool:
    return any(r.name == current_app.config.get("AUTH_ROLE_ADMIN", "Admin") for r in getattr(user, "roles", []))


def throttle_login_requests():
    """before_request hook: refuse a login attempt while its account or address is throttled."""
    if request.method != "POST" or request.endpoint not in ("AuthDBView.login", "SecurityApi.login"):
        return None
    if request.endpoint == "SecurityApi.login":
        body = request.get_json(silent=True) or {}
        username = body.get("username") if isinstance(body, dict) else None
    else:
        username = request.form.get("username")
    if not login_throttle.is_blocked(username, request.remote_addr):
        return None
    from flask_babel import gettext

    message = gettext("Too many failed login attempts. Please wait a few minutes and try again.")
    if request.endpoint == "SecurityApi.login":
        response = jsonify(message=message)
    else:
        response = current_app.response_class(message, mimetype="text/plain")
    response.status_code = 429
    response.headers["Retry-After"] = str(current_app.config["SIKIPP_LOGIN_WINDOW_SECONDS"])
    g.login_throttled = True
    return response
