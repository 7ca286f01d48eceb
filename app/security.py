"""One security manager: SIKIPP's user model, role definitions and their seeding, login throttling, password
doors, session and token revocation, CSRF on cookie-authenticated API writes (DESIGN §8).

Role definitions (DESIGN §2) are seeded at every start: what is missing is added, and a grant seeded
once is recorded in ``seeded_permission`` so that it is never re-added after an Admin removes it in
the Security screens, and never removed by us.
"""
import datetime as dt

from flask import abort, current_app, flash, g, has_request_context, jsonify, request, session
from flask_appbuilder import expose as view_expose
from flask_appbuilder.api import expose, safe
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import has_access, permission_name, protect
from flask_appbuilder.security.sqla.apis.user.api import UserApi
from flask_appbuilder.security.sqla.manager import SecurityManager
from flask_appbuilder.security.sqla.models import Group, Role
from flask_appbuilder.security.views import (
    ResetMyPasswordView,
    ResetPasswordView,
    RoleModelView,
    UserDBModelView,
    UserStatsChartView,
)
from flask_appbuilder.widgets import RenderTemplateWidget
from flask_babel import gettext, lazy_gettext
from flask_login import current_user
from marshmallow import ValidationError
from sqlalchemy.exc import IntegrityError

from app.models import SeededPermission, User
from app.services import login_throttle, text_rules
from app.services.errors import Conflict, DomainError
from app.services.users import credential_stamp

# The browser session's copy of the credential stamp (app.services.users.credential_stamp), set at login.
SESSION_STAMP_KEY = "_sikipp_cred"
JWT_STAMP_CLAIM = "cred"

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
        "Judging": (READ, EDIT), "ScoreSheet": (READ, "can_recuse", "can_reopen"), "Objection": (READ,),
        "SignerProfile": ALL,
        "ExternalAward": ALL, "Replication": ALL, "Sustainability": ALL,  # registry (issue 12)
        "Nomination": (READ, ADD, DELETE),  # nomination upward (issue 12 item 8)
    },
    "OPD": {
        "Unit": (READ,), "Competition": (READ,), "Round": (READ,), "Criterion": (READ,), "Innovation": ALL,
        "ExternalAward": ALL, "Replication": ALL, "Sustainability": ALL,  # registry: own unit's (issue 12)
        "Award": (CERTIFICATE,),
        "Participation": (READ,), "Results": (READ,),
    },
    "Juri": {
        "Competition": (READ,), "Round": (READ,), "Criterion": (READ,), "Innovation": (READ,),
        "Assignment": (READ,), "ScoreSheet": (READ, EDIT, "can_recuse"),
    },
    "Penandatangan": {
        "Competition": (READ,), "Innovation": (READ,), "Award": (READ, CERTIFICATE), "Decree": (READ,),
        "SignerProfile": (READ, ADD, EDIT),
        "Unit": (READ,),  # the innovation list's unit filter searches the unit API as the user types
    },
    # Bagian Hukum (and other reviewers of the paraf chain): reads decree drafts and initials or returns them (the
    # `paraf` / `return` triggers are granted from the decree workflow and the configured chain, app.registry).
    "Hukum": {
        "Competition": (READ,), "Decree": (READ,),
    },
}

# Menus each role sees (FAB "menu_access" on the menu item's name).
ROLE_MENUS = {
    "Sekretariat": ("KIPP", "Verification Queue", "Participation Overview", "Units", "Competitions", "Rounds", "Criteria", "Innovations", "Assignments",
                    "Awards", "Decrees", "Workflow Diagrams", "Official Documents", "Judging Progress", "Audit Log",
                    "Signing Profiles", "Innovation Catalogue", "Objections", "Announcements",
                    "External Awards", "Replications", "Sustainability Statuses",
                    "Nominations"),  # Nominations: nomination upward (issue 12 item 8)
    "OPD": ("KIPP", "Innovations", "Competitions", "Units", "Participation Overview", "My Results",
            "Innovation Catalogue", "Announcements", "External Awards", "Replications", "Sustainability Statuses"),
    "Juri": ("KIPP", "My Score Sheets", "Assignments", "Competitions", "Innovation Catalogue", "Announcements"),
    "Penandatangan": ("KIPP", "Innovations", "Awards", "Decrees", "Competitions", "Official Documents",
                      "Signing Profiles", "Innovation Catalogue", "Announcements"),
    "Hukum": ("KIPP", "Decrees", "Competitions", "Innovation Catalogue", "Announcements"),
    # Anonymous visitors (AUTH_ROLE_PUBLIC): only the link to the public catalogue (app/views/catalogue.py).
    "Public": ("Innovation Catalogue", "Announcements"),
}

# What every signed-in user needs: own profile, own password, the API spec. "UserView" is the user screen's
# view menu (its class name: SikippUserDBModelView), filled in by role_definitions.
SELF_SERVICE = (
    ("can_userinfo", "UserView"),
    ("resetmypassword", "UserView"),
    ("userinfoedit", "UserView"),
    ("can_this_form_get", "ResetMyPasswordView"),
    ("can_this_form_post", "ResetMyPasswordView"),
    ("can_this_form_get", "UserInfoEditView"),
    ("can_this_form_post", "UserInfoEditView"),
    ("can_get", "OpenApi"),
    ("can_get", "MenuApi"),
    ("can_read", "Notification"),  # own in-app notifications (app/views/notifications.py)
)

ROLES = ("Admin", "Sekretariat", "OPD", "Juri", "Penandatangan", "Hukum")


def _set_password(target, password):
    """The screens' door to SetPassword: True when set; a refusal is flashed."""
    from app.commands.users import SetPassword

    try:
        SetPassword(g.user, target, password).run()
    except DomainError as err:
        flash(err.message, "danger")
        return False
    return True


class SikippResetMyPasswordView(ResetMyPasswordView):
    """Own password change through SetPassword; this session stays signed in, the user's others end."""

    class_permission_name = "ResetMyPasswordView"
    message = lazy_gettext("Your password has been changed. Your other sessions have been signed out.")

    def form_post(self, form):
        if _set_password(g.user, form.password.data):
            session[SESSION_STAMP_KEY] = credential_stamp(g.user)
            flash(str(self.message), "info")


class SikippResetPasswordView(ResetPasswordView):
    """An Admin resets a user's password through SetPassword: every session and token of that user ends."""

    class_permission_name = "ResetPasswordView"
    message = lazy_gettext("The password has been reset. That user's sessions and tokens have been ended.")

    def form_post(self, form):
        if _set_password(request.args.get("pk"), form.password.data):
            flash(str(self.message), "info")


class _ServerChartWidget(RenderTemplateWidget):
    template = "sikipp/user_stats_chart.html"


class SikippUserStatsChartView(UserStatsChartView):
    """FAB's user statistics with its series named through the catalog (FAB hard-codes them in English)."""

    definitions = [
        {"label": lazy_gettext("Login count"), "group": "username", "series": ["login_count"]},
        {"label": lazy_gettext("Failed login count"), "group": "username", "series": ["fail_login_count"]},
    ]
    # FAB gives the chart's search filters no labels: the column names showed in English ("First Name", "Roles").
    label_columns = UserDBModelView.label_columns

    def _get_chart_widget(self, *args, **kwargs):
        """FAB's chart loads Google Charts from another host (refused by the policy: the page stayed blank). The
        same figures are drawn on the server as SVG bars beside their table, like the dashboard's."""
        from app.services.homes import bar_chart

        widgets = super()._get_chart_widget(*args, **kwargs)
        table = widgets["chart"].template_args["value_columns"]
        pairs = [(row["c"][0]["v"], int(row["c"][1]["v"] or 0)) for row in table.get("rows", [])]
        cols = [col["label"] for col in table.get("cols", [])] + ["", ""]
        widgets["chart"] = _ServerChartWidget(chart=bar_chart(pairs), rows=pairs, head=cols[0], title=cols[1])
        return widgets

    @view_expose("/chart/<group_by>")
    @view_expose("/chart/")
    @has_access
    def chart(self, group_by=0):
        """FAB's chart, with an unknown series index answering 404 (FAB's int() of it answered 500)."""
        if not text_rules.is_digits(str(group_by)) or int(group_by) >= len(self.definitions):
            abort(404)
        return super().chart(int(group_by))


class SikippUserDBModelView(UserDBModelView):
    """FAB's user screens with the user's unit; the first password is set through SetPassword."""

    label_columns = {**UserDBModelView.label_columns, "unit": lazy_gettext("Unit"),
                     "password_changed_at": lazy_gettext("Password changed at")}
    # FAB writes these two help texts in English without the catalog.
    description_columns = {
        **UserDBModelView.description_columns,
        "roles": lazy_gettext("The user's role in the application; it grants the role's permissions."),
        "groups": lazy_gettext("The user's groups; each grants the roles of the group."),
        "unit": lazy_gettext("The unit an OPD user proposes for (a juror's own unit is a conflict of interest)."),
    }
    add_columns = UserDBModelView.add_columns + ["unit"]
    edit_columns = ["first_name", "last_name", "username", "active", "email", "roles", "unit"]
    list_columns = ["first_name", "last_name", "username", "email", "active", "roles", "unit"]
    show_fieldsets = [
        (lazy_gettext("User info"), {"fields": ["username", "active", "roles", "unit", "login_count"]}),
        (lazy_gettext("Personal Info"), {"fields": ["first_name", "last_name", "email"], "expanded": True}),
        (lazy_gettext("Audit Info"), {"fields": ["last_login", "fail_login_count", "created_on", "changed_on",
                                                 "password_changed_at"], "expanded": False}),
    ]

    def pre_add(self, item):
        from app.commands.users import SetPassword

        SetPassword(g.user, item, item.password).run()  # FAB flashes a refusal (its message) and adds nothing


def _undecorated(func):
    while hasattr(func, "__wrapped__"):
        func = func.__wrapped__
    return func


class SikippUserApi(UserApi):
    """FAB's security user API on SIKIPP's user model; passwords through SetPassword, refusals as 4xx."""

    datamodel = SQLAInterface(User)

    def _impossible_ids(self):
        """Role/group ids no row can have (PostgreSQL: an integer out of range → 500): 400."""
        from app.api.base import _out_of_range_ids

        body = request.get_json(silent=True)
        bad = _out_of_range_ids(body, None) if isinstance(body, dict) else []
        bad += [k for k in ("roles", "groups") if isinstance(body, dict) and isinstance(body.get(k), list)
                and any(isinstance(v, int) and not isinstance(v, bool) and not 0 < v < 2**31 for v in body[k])]
        return self.response_400(message={k: [gettext("No such record.")] for k in bad}) if bad else None

    @expose("/", methods=["POST"])
    @protect()
    @safe
    @permission_name("post")
    def post(self):
        from app.api.base import error_response
        from app.commands.users import SetPassword

        refused = self._impossible_ids()
        if refused:
            return refused
        try:
            item = self.add_model_schema.load(request.json)
        except ValidationError as error:
            return self.response_400(message=error.messages)
        related = {}
        for key, model in (("roles", Role), ("groups", Group)):
            ids = item.pop(key, None) or []
            related[key] = self._fetch_entities(model, ids)
            missing = set(ids) - {r.id for r in related[key]}
            if missing:
                return self.response_400(message={key: [f"Not found: {sorted(missing)}"]})
        password = item.pop("password")
        user = User(**item, roles=related["roles"], groups=related["groups"])
        try:
            SetPassword(g.user, user, password).run()
        except DomainError as err:
            return error_response(self, err)
        return self.response(201, id=user.id)

    @expose("/<pk>", methods=("PUT",))
    @protect()
    @safe
    @permission_name("put")
    def put(self, pk):
        from app.api.base import error_response

        if not text_rules.is_digits(str(pk)) or int(pk) >= 2**31 or self.datamodel.get(int(pk), self._base_filters) is None:
            return self.response_404()
        refused = self._impossible_ids()
        if refused:
            return refused
        try:
            return _undecorated(UserApi.put)(self, pk)
        except DomainError as err:
            self.datamodel.session.rollback()
            return error_response(self, err)

    def pre_update(self, item, data):
        from app.commands.users import SetPassword

        item.changed_on = dt.datetime.now()
        item.changed_by_fk = g.user.id
        if data.get("password"):
            SetPassword(g.user, item, data["password"]).run()
            return
        try:
            self.datamodel.session.flush()  # a duplicate username/e-mail: 409, not FAB's 500
        except IntegrityError:
            raise Conflict(gettext("The username or e-mail address is already used by another account.")) from None


class SikippRoleModelView(RoleModelView):
    """FAB's role screens with their search filters labelled from the catalog (FAB showed "User" and "Groups" in
    English); the permission name stays FAB's so no grant an Admin made is lost."""

    class_permission_name = "RoleModelView"
    label_columns = {**RoleModelView.label_columns, "user": lazy_gettext("User"), "groups": lazy_gettext("Groups")}


class SikippSecurityManager(SecurityManager):
    user_model = User
    userdbmodelview = SikippUserDBModelView
    rolemodelview = SikippRoleModelView
    userstatschartview = SikippUserStatsChartView
    resetmypasswordview = SikippResetMyPasswordView
    resetpasswordview = SikippResetPasswordView
    user_api = SikippUserApi

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
        user_view = self.userdbmodelview.__name__
        for role in ROLES[1:]:
            grants += [(role, perm, user_view if vm == "UserView" else vm) for perm, vm in SELF_SERVICE]
        for role, pairs in self.extra_role_grants.items():
            grants += [(role, perm, vm) for perm, vm in pairs]
        return grants

    def sync_role_definitions(self, extra_permissions=()):
        """Create missing roles/permissions and seed each defined grant once (idempotent)."""
        session = self.session
        # Roles first: FAB's add_permissions grants every new permission to the Admin role and, when that
        # role does not exist yet (first start on a fresh database), fails on the first permission of each
        # view and silently skips the rest (random ones, set order) — the Admin then lacked e.g. can_read.
        for role_name in ROLES + tuple(self.extra_role_grants) + (self.auth_role_public,):
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

    def reset_password(self, userid, password):
        """FAB's own callers (``flask fab reset-password``) go through SetPassword too."""
        from app.commands.users import SetPassword

        actor = getattr(g, "user", None) if has_request_context() else None  # None: the CLI
        try:
            SetPassword(actor, userid, password).run()
        except DomainError as err:
            if has_request_context():
                raise
            import click

            raise click.ClickException(err.message) from None

    def get_user_by_id(self, pk):
        """The user with its roles and groups in one query (FAB loads them lazily: two more per request)."""
        from sqlalchemy.orm import joinedload

        # Session.get: no query at all when the request already holds the user (JWT loaders ask twice).
        return self.session.get(self.user_model, pk,
                                options=[joinedload(self.user_model.roles), joinedload(self.user_model.groups)])

    # -- sessions and tokens end when the password changes ---------------------------
    def load_user(self, pk):
        """Flask-Login's loader for the browser session: refused once the password changed since login."""
        user = super().load_user(pk)
        if user is not None and has_request_context() and session.get(SESSION_STAMP_KEY) != credential_stamp(user):
            return None
        return user

    def load_user_jwt(self, _jwt_header, jwt_data):
        user = self.get_user_by_id(int(jwt_data["sub"])) if text_rules.is_digits(str(jwt_data.get("sub", ""))) else None
        if user is None or not user.is_active or jwt_data.get(JWT_STAMP_CLAIM) != credential_stamp(user):
            return None
        g.user = user
        return user

    def create_jwt_manager(self, app):
        jwt_manager = super().create_jwt_manager(app)
        jwt_manager.additional_claims_loader(self._jwt_claims)
        jwt_manager.token_in_blocklist_loader(self._jwt_revoked)
        return jwt_manager

    def _jwt_claims(self, identity):
        user = self.get_user_by_id(int(identity)) if text_rules.is_digits(str(identity)) else None
        return {JWT_STAMP_CLAIM: credential_stamp(user)} if user is not None else {}

    def _jwt_revoked(self, _jwt_header, jwt_data):
        """Access and refresh tokens issued before the user's last password change are revoked (401)."""
        return self.load_user_jwt(_jwt_header, jwt_data) is None

    # -- login throttling (form and API share auth_user_db) --------------------------
    def auth_user_db(self, username, password):
        user = super().auth_user_db(username, password)
        if user is None:
            login_throttle.record_failure(username, request.remote_addr if request else None)
        return user

    # -- permissions resolved once per request (the menu asks ~30 times per HTML page) -------------
    def exist_permission_on_roles(self, view_name, permission_name, role_ids):
        """FAB runs one ``EXISTS`` query per question; within a request, load the roles' grants once (one
        query) and answer from that set. The set lives on ``flask.g`` tagged with the request object, so it
        never outlives the request (an outer app context shared by several test requests included) and a
        grant changed by an Admin counts from the next request on; outside a request FAB's query runs."""
        grants = self._request_grants(role_ids)
        if grants is None:
            return super().exist_permission_on_roles(view_name, permission_name, role_ids)
        return (permission_name, view_name) in grants

    def _request_grants(self, role_ids):
        if not has_request_context():
            return None
        current = request._get_current_object()
        cache = getattr(g, "_sikipp_grants", None)
        if cache is None or cache[0] is not current:
            cache = (current, {})
            g._sikipp_grants = cache
        key = tuple(sorted(role_ids))
        if key not in cache[1]:
            from flask_appbuilder.security.sqla.models import (
                Permission,
                PermissionView,
                ViewMenu,
                assoc_permissionview_role,
            )

            rows = (self.session.query(Permission.name, ViewMenu.name)
                    .select_from(PermissionView)
                    .join(assoc_permissionview_role,
                          assoc_permissionview_role.c.permission_view_id == PermissionView.id)
                    .join(Permission, Permission.id == PermissionView.permission_id)
                    .join(ViewMenu, ViewMenu.id == PermissionView.view_menu_id)
                    .filter(assoc_permissionview_role.c.role_id.in_(key)))
            cache[1][key] = frozenset(rows)
        return cache[1][key]

    def forget_request_grants(self):
        """A grant changed within this request counts for the rest of it too."""
        if has_request_context():
            g.pop("_sikipp_grants", None)

    def add_permission_role(self, role, perm_view):
        super().add_permission_role(role, perm_view)
        self.forget_request_grants()

    def del_permission_role(self, role, perm_view):
        super().del_permission_role(role, perm_view)
        self.forget_request_grants()

    def user_has_role(self, user, *names):
        return bool({r.name for r in getattr(user, "roles", [])} & set(names))


def stamp_session_at_login(_app, user, **_extra):
    """flask_login.user_logged_in: the session remembers which password it was opened with."""
    session[SESSION_STAMP_KEY] = credential_stamp(user)


WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
# API endpoints a browser may call without a CSRF token: logging in (no session yet) and token refresh
# (a bearer token). Paths in SIKIPP_API_CSRF_EXEMPT_PATHS (public endpoints) are added to these.
API_CSRF_EXEMPT_ENDPOINTS = ("SecurityApi.login", "SecurityApi.refresh")


def require_csrf_for_cookie_api_writes():
    """before_request hook (DESIGN §8): an API write authenticated by the browser session cookie needs
    Flask-WTF's CSRF token in the X-CSRFToken header (the forms' token); a bearer-token call needs none."""
    if request.method not in WRITE_METHODS or not request.path.startswith("/api/"):
        return None
    if not current_app.config.get("WTF_CSRF_ENABLED", True) or request.endpoint in API_CSRF_EXEMPT_ENDPOINTS:
        return None
    # Exact paths: "/api/v1/objection/" exempts the public POST only, never the Sekretariat's
    # "/api/v1/objection/<pk>/transitions/…" below it.
    if request.path in current_app.config.get("SIKIPP_API_CSRF_EXEMPT_PATHS", ()):
        return None
    if request.headers.get("Authorization", "").lower().startswith("bearer "):
        return None  # a cross-site page cannot send this header; the token authenticates the call
    if not current_user.is_authenticated:
        return None  # no cookie session: the API answers 401 itself
    from flask_wtf.csrf import ValidationError as CSRFValidationError
    from flask_wtf.csrf import validate_csrf

    token = request.headers.get("X-CSRFToken") or request.headers.get("X-CSRF-Token")
    try:
        validate_csrf(token)
    except CSRFValidationError:
        response = jsonify(message=gettext("The security token (CSRF) is missing or invalid: reload the page and "
                                           "try again. Programs should sign in with a bearer token."))
        response.status_code = 400
        return response
    return None


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
