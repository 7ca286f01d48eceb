"""The workflow resources: CRUD plus the workflow endpoints of DESIGN §4."""
from flask import current_app
from flask_appbuilder import expose
from flask_appbuilder.api import safe
from flask_appbuilder.security.decorators import permission_name, protect

from app.api.attachments import AttachmentEndpointsMixin
from app.api.registry import CarryOverApiMixin
from app.api.resources import DecreeCrudApi, InnovationCrudApi
from app.commands.transitions import FireThroughCommand
from app.extensions import db
from app.lifecycles import decree_workflow, innovation_workflow
from app.models import Competition
from app.services import decrees
from workflows.fab import WorkflowApiMixin


class InnovationApi(FireThroughCommand, CarryOverApiMixin, AttachmentEndpointsMixin, WorkflowApiMixin, InnovationCrudApi):
    workflow = innovation_workflow


class DecreeApi(FireThroughCommand, WorkflowApiMixin, DecreeCrudApi):
    workflow = decree_workflow

    @expose("/<int:pk>/paraf", methods=["GET"])
    @protect()
    @safe
    @permission_name("paraf_status")
    def paraf_status(self, pk):
        """The paraf chain of a decree: each step with its initial on the current text (or null).
        ---
        get:
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          responses:
            200:
              description: chain, text_version, complete
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      text_version: {type: integer}
                      complete: {type: boolean}
                      chain:
                        type: array
                        items:
                          type: object
                          properties:
                            step: {type: integer}
                            role: {type: string}
                            user: {type: string, nullable: true}
                            at: {type: string, nullable: true}
                            number: {type: string, nullable: true}
            404: {$ref: '#/components/responses/404'}
        """
        decree = self.datamodel.get(pk, self._base_filters)
        if decree is None:
            return self.response_404()
        chain = []
        for entry in decrees.chain_progress(db.session, decree, decrees.paraf_chain(current_app.config)):
            initial = entry["initial"]
            chain.append({"step": entry["step"], "role": entry["role"],
                          "user": initial.username if initial else None,
                          "at": initial.at.isoformat() + "Z" if initial else None,
                          "number": initial.number if initial else None})
        return self.response(200, text_version=decree.text_version, chain=chain,
                             complete=all(c["user"] for c in chain))

    @expose("/readiness/<int:competition_id>", methods=["GET"])
    @protect()
    @safe
    @permission_name("readiness")
    def readiness(self, competition_id):
        """Whether a decree can be drafted for the competition now: the missing conditions, by name.
        ---
        get:
          parameters:
          - {in: path, name: competition_id, required: true, schema: {type: integer}}
          responses:
            200:
              description: ready, blockers
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      ready: {type: boolean}
                      blockers: {type: array, items: {type: string}}
            404: {$ref: '#/components/responses/404'}
        """
        competition = db.session.get(Competition, competition_id)
        if competition is None:
            return self.response_404()
        blockers = decrees.decree_blockers(db.session, competition)
        return self.response(200, ready=not blockers, blockers=blockers)
