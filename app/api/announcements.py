"""The ``objection`` resource (DESIGN §10).

- ``POST /api/v1/objection/`` — public: no login, no CSRF token (``SIKIPP_API_CSRF_EXEMPT_PATHS``), throttled per
  address (429). Body ``{"round_id", "innovation_id", "name", "email", "text"}`` → 201 ``{"id", "state": "open"}``;
  409 after the objection window (checked first); 422 for a field (an innovation not in the announcement
  included). The answer never echoes the objection, let alone the e-mail address.
- ``GET /api/v1/objection/`` and ``/<pk>`` — the Sekretariat (and the Admin) only (``can_read`` on ``Objection``
  and the row rule ``access.objection_criterion``); the workflow endpoints (``uphold``, ``dismiss``: the comment
  is the published answer) as on every workflow resource.
"""
from flask import current_app, g, request
from flask_appbuilder import expose
from flask_appbuilder.api import safe
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import gettext as _

from app.api.base import SikippModelApi, error_response, row_filter
from app.commands.announcements import SubmitObjection
from app.commands.transitions import FireThroughCommand
from app.models import Objection
from app.services import access, login_throttle
from app.services.errors import DomainError
from workflows.fab import WorkflowApiMixin
from workflows.lifecycles import objection_workflow


def throttled(address):
    """True (and counted) when ``address`` has sent too many objections in the window."""
    return not login_throttle.allow_objection(address)


def throttle_message():
    return _("Too many objections from this address. Please wait a while and try again.")


def retry_after():
    return str(current_app.config.get("SIKIPP_OBJECTION_WINDOW_SECONDS", 3600))


class ObjectionApi(FireThroughCommand, WorkflowApiMixin, SikippModelApi):
    resource_name = "objection"
    class_permission_name = "Objection"
    datamodel = SQLAInterface(Objection)
    workflow = objection_workflow
    base_filters = row_filter(access.objection_criterion)
    include_route_methods = {"get", "get_list", "info", "post", "transitions", "fire", "fire_bulk", "history"}
    list_columns = ["id", "announcement_id", "innovation_id", "name", "email", "text", "state", "answer",
                    "answered_at", "created_on"]
    show_columns = list_columns
    add_columns = []
    edit_columns = []
    search_columns = ["announcement_id", "innovation_id", "state"]
    order_columns = ["id", "created_on", "state", "answered_at"]

    @expose("/", methods=["POST"])
    @safe
    def post(self):
        """Object to an announced innovation while the objection window is open (public, no login).
        ---
        post:
          security: []
          requestBody:
            content:
              application/json:
                schema:
                  type: object
                  required: [round_id, innovation_id, name, email, text]
                  properties:
                    round_id: {type: integer}
                    innovation_id: {type: integer}
                    name: {type: string, maxLength: 100}
                    email: {type: string, format: email, maxLength: 254}
                    text: {type: string, minLength: 10, maxLength: 5000}
          responses:
            201:
              description: Recorded
              content:
                application/json:
                  schema: {type: object, properties: {id: {type: integer}, state: {type: string}}}
            400: {$ref: '#/components/responses/400'}
            409: {description: The objection window has ended}
            422: {$ref: '#/components/responses/422'}
            429: {description: Too many objections from this address}
        """
        if throttled(request.remote_addr):
            response = self.response(429, message=throttle_message())
            response.headers["Retry-After"] = retry_after()
            return response
        body = request.get_json(silent=True) if request.data else None
        if not isinstance(body, dict):
            return self.response_400(message=_("The request body must be a JSON object"))
        try:
            result = SubmitObjection(getattr(g, "user", None), body).run()
        except DomainError as err:
            return error_response(self, err)
        return self.response(201, **result)
