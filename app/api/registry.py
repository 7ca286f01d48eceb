"""Registry APIs (issue 12 items 5-7, DESIGN §11; resource names exact): ``external_award``, ``replication``,
``sustainability`` (CRUD through the commands of app/commands/registry.py, rows of the innovations the user may
see), and on the innovation resource ``POST /<pk>/carry_over`` and ``GET /<pk>/lineage``."""
from flask import g, request
from flask_appbuilder import expose
from flask_appbuilder.api import safe
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import permission_name, protect
from flask_babel import gettext as _

from app.api.base import SikippModelApi, error_response, row_filter
from app.api.command_crud import CommandCrudApiMixin
from app.commands import registry as commands
from app.extensions import db
from app.models import ExternalAward, Replication, Sustainability
from app.services import registry
from app.services.errors import DomainError
from workflows.engine import WorkflowError


def _child_filter(model):
    return row_filter(lambda user: registry.child_criterion(user, model))


class ExternalAwardApi(CommandCrudApiMixin, SikippModelApi):
    resource_name = "external_award"
    class_permission_name = "ExternalAward"
    datamodel = SQLAInterface(ExternalAward)
    base_filters = _child_filter(ExternalAward)
    read_only_fields = ("id", "created_by_id", "created_on")
    list_columns = ["id", "innovation_id", "level", "year", "title", "evidence", "created_on"]
    show_columns = list_columns
    add_columns = ["innovation_id", "level", "year", "title", "evidence"]
    edit_columns = ["level", "year", "title", "evidence"]
    search_columns = ["innovation_id", "level", "year"]
    order_columns = ["id", "year", "level", "title"]
    validators_columns = {}  # the rules are the command's
    create_command = commands.CreateExternalAward
    edit_command = commands.EditExternalAward
    delete_command = commands.DeleteExternalAward


class ReplicationApi(CommandCrudApiMixin, SikippModelApi):
    resource_name = "replication"
    class_permission_name = "Replication"
    datamodel = SQLAInterface(Replication)
    base_filters = _child_filter(Replication)
    read_only_fields = ("id", "created_by_id", "created_on")
    list_columns = ["id", "innovation_id", "replicator", "replicated_on", "evidence", "created_on"]
    show_columns = list_columns
    add_columns = ["innovation_id", "replicator", "replicated_on", "evidence"]
    edit_columns = ["replicator", "replicated_on", "evidence"]
    search_columns = ["innovation_id", "replicator"]
    order_columns = ["id", "replicated_on", "replicator"]
    validators_columns = {}
    create_command = commands.CreateReplication
    edit_command = commands.EditReplication
    delete_command = commands.DeleteReplication


class SustainabilityApi(CommandCrudApiMixin, SikippModelApi):
    resource_name = "sustainability"
    class_permission_name = "Sustainability"
    datamodel = SQLAInterface(Sustainability)
    base_filters = _child_filter(Sustainability)
    read_only_fields = ("id", "created_by_id", "created_on")
    list_columns = ["id", "innovation_id", "year", "status", "notes", "evidence", "created_on"]
    show_columns = list_columns
    add_columns = ["innovation_id", "year", "status", "notes", "evidence"]
    edit_columns = ["year", "status", "notes", "evidence"]
    search_columns = ["innovation_id", "year", "status"]
    order_columns = ["id", "year", "status"]
    validators_columns = {}
    create_command = commands.CreateSustainability
    edit_command = commands.EditSustainability
    delete_command = commands.DeleteSustainability


class CarryOverApiMixin:
    """On the innovation resource: carry an innovation into a new competition; its lineage's history."""

    @expose("/<int:pk>/carry_over", methods=["POST"])
    @protect()
    @safe
    @permission_name("carry_over")
    def carry_over(self, pk):
        """Carry the innovation into another competition: a new draft of the same unit and lineage.
        ---
        post:
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  type: object
                  properties:
                    competition_id: {type: integer}
          responses:
            201: {description: the new draft (id, result)}
            403: {$ref: '#/components/responses/403'}
            404: {$ref: '#/components/responses/404'}
            409: {description: the competition is closed for submission or the lineage already has an entry}
            422: {$ref: '#/components/responses/422'}
        """
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            return self.response_400(message=_("The request body must be a JSON object"))
        try:
            copy = commands.CarryOver(g.user, pk, body.get("competition_id")).run()
        except (DomainError, WorkflowError) as err:
            return error_response(self, err)
        return self.response(201, id=copy.id, result=self.show_model_schema.dump(copy, many=False))

    @expose("/<int:pk>/lineage", methods=["GET"])
    @protect()
    @safe
    @permission_name("lineage")
    def lineage(self, pk):
        """The innovation's lineage: entries in every competition, awards here and outside, replications and
        sustainability statuses.
        ---
        get:
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          responses:
            200: {description: lineage_id, entries, awards, replications, sustainability}
            404: {$ref: '#/components/responses/404'}
        """
        innovation = self.datamodel.get(pk, self._base_filters)
        if innovation is None:
            return self.response_404()
        if not registry.may_read_history(g.user, innovation):
            return self.response_403()
        return self.response(200, **registry.history(db.session, innovation))
