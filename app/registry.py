"""Registration of lifecycles, views, APIs and hooks on an app (called by create_app)."""
from flask_babel import lazy_gettext as _l

from app.security import (
    SikippSecurityManager,
    require_csrf_for_cookie_api_writes,
    stamp_session_at_login,
    throttle_login_requests,
)


def workflow_permissions():
    from app.lifecycles import ALL_WORKFLOWS

    return [(perm, vm) for wf in ALL_WORKFLOWS for perm, vm, _roles in wf.permissions()]


def _workflow_grants(config=None):
    """Each workflow trigger's permission for the roles of its definition; the decree's ``paraf`` and ``return``
    also for every role of the configured paraf chain (SIKIPP_DECREE_PARAF_CHAIN)."""
    from app.lifecycles import ALL_WORKFLOWS, decree_workflow
    from app.services.decrees import paraf_chain

    grants = {}
    for wf in ALL_WORKFLOWS:
        for perm, vm, roles in wf.permissions():
            if wf is decree_workflow and perm in ("can_paraf", "can_return"):
                roles = tuple(dict.fromkeys((*roles, *paraf_chain(config or {}))))
            for role in roles:
                grants.setdefault(role, []).append((perm, vm))
    return grants


def register(app, appbuilder):
    from app import lifecycles
    from app.api import resources
    from app.views import crud
    from workflows.fab import FabAuthorizer

    lifecycles.bind_all(FabAuthorizer())
    SikippSecurityManager.extra_role_grants = _workflow_grants(app.config)
    # Every door refuses unstorable text, impossible ids and bad list arguments first (app/views/guards.py).
    from app.views import guards

    guards.register(app)
    # Error pages in the layout and language, <html lang>, the favicon; the formatting filters (DESIGN §9).
    from app.views import errors, formatting, storage_errors

    errors.register(app)
    formatting.register(app)
    storage_errors.register(app)  # a failing file store: 507/503 JSON or a flash, never a 500
    app.before_request(throttle_login_requests)
    app.before_request(require_csrf_for_cookie_api_writes)
    from flask_login import user_logged_in

    user_logged_in.connect(stamp_session_at_login, app)
    from app.views import headers, health, unavailable

    headers.register(app)  # CSP (nonce for FAB's inline scripts), HSTS over HTTPS, no-store (app/views/headers.py)
    # Database unreachable: 503 + Retry-After, never a 500 (app/views/unavailable.py); registered after the headers
    # hook so that it runs before it (Flask runs after_request hooks in reverse) and its answer gets the headers too.
    unavailable.register(app)
    app.register_blueprint(health.bp)  # GET /healthz (public)

    # Judging (app/api/judging.py, app/views/judging.py): round and assignment APIs/screens with the judging
    # rules, blind review on the innovation API and screens, score sheets, ranking and progress.
    from app.api import judging as judging_api

    # The award and decree APIs with their document endpoints (certificate, pdf), app/api/documents.py.
    from app.api.documents import AwardDocumentsApi, DecreeDocumentsApi
    from app.api.workflow_apis import InnovationApi
    from app.views import judging as judging_views
    from app.views.workflow_views import DecreeView, InnovationView, VerificationQueueView, WorkflowDiagramView

    for api in (resources.UnitApi, resources.CompetitionApi, judging_api.RoundApi, resources.CriterionApi,
                judging_api.with_blind_review(InnovationApi), judging_api.AssignmentApi, AwardDocumentsApi,
                DecreeDocumentsApi, judging_api.RoundJudgingApi, judging_api.ScoreSheetApi, resources.SignerProfileApi):
        appbuilder.add_api(api)

    # Registry across years, replication and monitoring (issue 12): app/api/registry.py, app/views/registry.py.
    from app.api import registry as registry_api

    for api in (registry_api.ExternalAwardApi, registry_api.ReplicationApi, registry_api.SustainabilityApi):
        appbuilder.add_api(api)

    # The menu category must not share a name with a view menu (FAB would drop its menu_access).
    category, cat_label = "KIPP", _l("Competition")
    appbuilder.add_view(crud.CompetitionView, "Competitions", label=_l("Competitions"), icon="fa-trophy",
                        category=category, category_label=cat_label)
    appbuilder.add_view(judging_views.with_juror_screens(InnovationView), "Innovations", label=_l("Innovations"),
                        icon="fa-lightbulb-o", category=category)
    appbuilder.add_view(VerificationQueueView, "Verification Queue", label=_l("Verification queue"),
                        icon="fa-check-circle", category=category)
    from app.views.participation import ParticipationApi, ParticipationView

    appbuilder.add_api(ParticipationApi)
    appbuilder.add_view(ParticipationView, "Participation Overview", label=_l("Participation"), icon="fa-users",
                        category=category)
    appbuilder.add_view(crud.UnitView, "Units", label=_l("Units"), icon="fa-building", category=category)
    appbuilder.add_view(judging_views.RoundView, "Rounds", label=_l("Rounds"), icon="fa-list-ol", category=category)
    appbuilder.add_view(crud.CriterionView, "Criteria", label=_l("Criteria"), icon="fa-check-square-o",
                        category=category)
    appbuilder.add_view(judging_views.AssignmentView, "Assignments", label=_l("Jury assignments"), icon="fa-gavel",
                        category=category)
    appbuilder.add_view(judging_views.ScoreSheetView, "My Score Sheets", label=_l("My score sheets"),
                        icon="fa-pencil-square-o", category=category)
    appbuilder.add_view(judging_views.JudgingView, "Judging Progress", label=_l("Judging"), icon="fa-balance-scale",
                        category=category)
    appbuilder.add_view(crud.AwardView, "Awards", label=_l("Awards"), icon="fa-star", category=category)
    from app.views import registry as registry_views

    appbuilder.add_view(registry_views.ExternalAwardView, "External Awards", label=_l("External awards"),
                        icon="fa-certificate", category=category)
    appbuilder.add_view(registry_views.ReplicationView, "Replications", label=_l("Replications"), icon="fa-clone",
                        category=category)
    appbuilder.add_view(registry_views.SustainabilityView, "Sustainability Statuses", label=_l("Sustainability"),
                        icon="fa-refresh", category=category)
    appbuilder.add_view(DecreeView, "Decrees", label=_l("Decrees"), icon="fa-file-text", category=category)
    appbuilder.add_view(crud.SignerProfileView, "Signing Profiles", label=_l("Signing profiles"), icon="fa-pencil",
                        category=category)
    appbuilder.add_view(WorkflowDiagramView, "Workflow Diagrams", label=_l("Workflow diagrams"), icon="fa-sitemap",
                        category=category)
    appbuilder.add_view(crud.AuditLogView, "Audit Log", label=_l("Audit log"), icon="fa-history", category=category)
    # Official documents: the documents screen, public verification (/verify). Jobs and outbox handlers are
    # wired by create_app (app.jobs.register).
    from app.views import public
    from app.views.documents import DocumentsView

    appbuilder.add_view(DocumentsView, "Official Documents", label=_l("Official documents"), icon="fa-certificate",
                        category=category)
    app.register_blueprint(public.bp)
    # The public catalogue of awarded innovations (/catalogue/, no login): a plain blueprint like /verify, and a
    # navbar link (menu_access "Innovation Catalogue" is granted to every role, Public included: app.security).
    from app.views import catalogue

    app.register_blueprint(catalogue.bp)
    # In-app notifications (the navbar's unread count comes from a context processor) and the OPD's results.
    from app.views import notifications as notification_views

    appbuilder.add_view_no_menu(notification_views.NotificationsView)
    app.context_processor(notification_views.unread_context)
    from app.views.results import ResultsView

    appbuilder.add_view(ResultsView, "My Results", label=_l("Results"), icon="fa-line-chart", category=category)
    appbuilder.add_link("Innovation Catalogue", href="/catalogue/", label=_l("Innovation catalogue"), icon="fa-book")
    # Announcements and objections (masa sanggah, DESIGN §10): the public /pengumuman/ (page, JSON and objection
    # form), the public POST /api/v1/objection/ with the Sekretariat's objection API, and the objection screens.
    from app.api.announcements import ObjectionApi
    from app.views import announcements

    appbuilder.add_api(ObjectionApi)
    app.register_blueprint(announcements.bp)
    appbuilder.add_view(announcements.ObjectionView, "Objections", label=_l("Objections"), icon="fa-comments",
                        category=category)
    appbuilder.add_link("Announcements", href="/pengumuman/", label=_l("Announcements"), icon="fa-bullhorn")
    # Nomination upward (issue 12 item 8, DESIGN §11): the API in the competition resource's URL space and the
    # Sekretariat's nomination screen.
    from app.api.nominations import NominationApi
    from app.views.nominations import NominationView

    appbuilder.add_api(NominationApi)
    appbuilder.add_view(NominationView, "Nominations", label=_l("Nominations"), icon="fa-send", category=category)
    # Every model view, FAB's security screens included, shows values for reading (app/views/formatting.py).
    formatting.format_all_views(appbuilder)
