"""The workflow resources: CRUD plus the workflow endpoints of DESIGN §4."""
from app.api.attachments import AttachmentEndpointsMixin
from app.api.resources import DecreeCrudApi, InnovationCrudApi
from app.commands.transitions import FireThroughCommand
from app.extensions import db
from app.models import Competition
from app.services import innovations
from workflows.fab import WorkflowApiMixin
from workflows.lifecycles import decree_workflow, innovation_workflow


class InnovationApi(FireThroughCommand, AttachmentEndpointsMixin, WorkflowApiMixin, InnovationCrudApi):
    workflow = innovation_workflow

    def before_create(self, item):
        super().before_create(item)
        innovations.check_word_limits(item, db.session.get(Competition, item.competition_id))

    def validate_update(self, item):
        super().validate_update(item)
        innovations.check_word_limits(item, db.session.get(Competition, item.competition_id))


class DecreeApi(FireThroughCommand, WorkflowApiMixin, DecreeCrudApi):
    workflow = decree_workflow
