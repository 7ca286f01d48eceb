"""The workflow resources: CRUD plus the workflow endpoints of DESIGN §4."""
from app.api.attachments import AttachmentEndpointsMixin
from app.api.resources import DecreeCrudApi, InnovationCrudApi
from app.commands.transitions import FireThroughCommand
from app.lifecycles import decree_workflow, innovation_workflow
from workflows.fab import WorkflowApiMixin


class InnovationApi(FireThroughCommand, AttachmentEndpointsMixin, WorkflowApiMixin, InnovationCrudApi):
    workflow = innovation_workflow


class DecreeApi(FireThroughCommand, WorkflowApiMixin, DecreeCrudApi):
    workflow = decree_workflow
