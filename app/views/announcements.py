"""Announcements and objections on screens (DESIGN §10).

- ``GET /pengumuman/`` (public, no login): each announcement with its round, the ranked innovations still in the
  results, the objection deadline and the published answers; the objection form while the window is open.
  JSON with ``Accept: application/json`` (``{"result", "count", "page", "page_size", "pages"}``). Never a score
  of a juror, never an objector's e-mail address (nor name).
- ``POST /pengumuman/sanggah`` (public form, no CSRF token like ``POST /verify``; throttled per address with the
  API's counter): the same command as ``POST /api/v1/objection/``; the page answers with the outcome.
- ``/objections/list/`` and ``/objections/show/<pk>`` (:class:`ObjectionView`, the Sekretariat): the objections
  with their objector, the buttons ``uphold`` / ``dismiss`` (the comment is the published answer).
"""
from flask import Blueprint, current_app, jsonify, render_template, request
from flask_appbuilder.fieldwidgets import Select2Widget
from flask_appbuilder.models.sqla.filters import FilterEqual
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import SelectField

from app.api.announcements import retry_after, throttle_message, throttled
from app.api.base import row_filter
from app.commands.announcements import SubmitObjection
from app.commands.transitions import FireThroughCommand
from app.extensions import csrf, db
from app.lifecycles import objection_workflow
from app.models import Objection
from app.services import access, announcements, text_rules
from app.services.competitions import format_local
from app.services.errors import DomainError
from app.views.crud import SikippModelView
from app.views.public import wants_json
from workflows.fab import WorkflowViewMixin, state_badge

bp = Blueprint("announcements", __name__, url_prefix="/pengumuman")

FORM_FIELDS = ("round_id", "innovation_id", "name", "email", "text")


def _page_arg():
    raw = request.args.get("page", "").strip()
    if not raw:
        return 1
    if not text_rules.is_digits(raw) or not 0 < int(raw) < 100000:
        return None
    return int(raw)


def _render(status=200, **context):
    appbuilder = current_app.appbuilder
    context.setdefault("form", {})
    context.setdefault("errors", {})
    context.setdefault("outcome", None)
    return render_template("announcements/index.html", appbuilder=appbuilder, base_template=appbuilder.base_template,
                           local_time=announcements.format_local_time, state_labels=objection_workflow.state_labels,
                           **context), status


@bp.route("/", methods=["GET"])
def index():
    page = _page_arg()
    if page is None:
        if wants_json():
            return jsonify(message=_("The page must be a positive number.")), 400
        return _render(400, data=None, error=_("The page must be a positive number."))
    data = announcements.public_announcements(db.session, page)
    if wants_json():
        return jsonify(**data), 200
    return _render(data=data, error=None)


@bp.route("/sanggah", methods=["POST"])
@csrf.exempt
def objection_form():
    """The public objection form: the same command as the API; the page shows the outcome or what to fix."""
    form = {name: request.form.get(name, "") for name in FORM_FIELDS}
    data = announcements.public_announcements(db.session, 1)
    if throttled(request.remote_addr):
        page, status = _render(429, data=data, error=None, form=form, outcome=("danger", throttle_message()))
        return page, status, {"Retry-After": retry_after()}
    try:
        result = SubmitObjection(None, dict(form)).run()
    except DomainError as err:
        errors = {err.field: err.message} if err.field else {}
        return _render(err.status, data=data, error=None, form=form, errors=errors,
                       outcome=("danger", err.message))
    message = _("Your objection was received as number %(id)s. The Sekretariat's answer will be published on "
                "this page.", id=result["id"])
    return _render(201, data=announcements.public_announcements(db.session, 1), error=None,
                   outcome=("success", message))


class ObjectionView(FireThroughCommand, WorkflowViewMixin, SikippModelView):
    """The Sekretariat's objections: list (filter by state), show with the objector and the answer buttons."""

    route_base = "/objections"
    workflow = objection_workflow
    datamodel = SQLAInterface(Objection)
    class_permission_name = "Objection"
    base_permissions = ["can_read"]
    base_filters = row_filter(access.objection_criterion)
    base_order = ("created_on", "desc")
    list_title = _l("Objections")
    show_title = _l("Objection")
    list_columns = ["innovation", "announcement_round", "name", "state", "created_on", "answered_at"]
    show_columns = ["innovation", "announcement_round", "name", "email", "text", "state", "answer", "created_on",
                    "answered_at"]
    search_columns = ["state"]  # not "innovation": FAB would list every innovation as an <option>
    search_filters = {"state": [FilterEqual]}
    search_form_extra_fields = {
        "state": SelectField(_l("State"), choices=[(s, label) for s, label in objection_workflow.state_labels.items()],
                             widget=Select2Widget()),
    }
    label_columns = {"innovation": _l("Innovation"), "announcement_round": _l("Round"), "name": _l("Objector"),
                     "email": _l("Email"), "text": _l("Objection"), "state": _l("State"),
                     "answer": _l("Published answer"), "created_on": _l("Received"),
                     "answered_at": _l("Answered")}
    formatters_columns = {"state": lambda s: state_badge(objection_workflow, s),
                          "created_on": format_local, "answered_at": format_local}

    def wf_format_time(self, dt):
        return format_local(dt)
