"""The workflow resources: CRUD plus the workflow endpoints of DESIGN §4."""
from app.api.attachments import AttachmentEndpointsMixin
from app.api.resources import DecreeCrudApi, InnovationCrudApi
from workflows.fab import WorkflowApiMixin
from workflows.lifecycles import decree_workflow, innovation_workflow


class InnovationApi(AttachmentEndpointsMixin, WorkflowApiMixin, InnovationCrudApi):
    workflow = innovation_workflow


class DecreeApi(WorkflowApiMixin, DecreeCrudApi):
    workflow = decree_workflow
