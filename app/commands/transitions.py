"""Firing a lifecycle transition (innovation, decree): one command for every door.

The engine checks visibility, role, ownership, source state, comment, data and guards; the command puts
the fire inside its transaction (``commit=False``), records the audit row, and records refused attempts
(404 aside: probing ids is not an attempt on a record)."""
from __future__ import annotations

from typing import Any, Callable, Optional

from app.commands.base import BaseCommand
from app.services.errors import DomainError
from workflows.engine import (
    Workflow,
    WorkflowConflict,
    WorkflowError,
    WorkflowForbidden,
    WorkflowInvalid,
    WorkflowNotFound,
)


class FireTransition(BaseCommand):
    def __init__(self, actor, workflow: Workflow, pk: int, trigger: str, *, comment: Optional[str] = None,
                 data: Optional[dict] = None, visible: Optional[Callable[[Any], bool]] = None, session=None):
        super().__init__(actor, session=session)
        self.workflow = workflow
        self.pk = pk
        self.trigger = trigger
        self.comment = comment
        self.data = data
        self.visible = visible
        self.target_id = pk

    @property
    def action(self):  # type: ignore[override]
        return f"{self.workflow.name}.{self.trigger}"

    @property
    def target_type(self):  # type: ignore[override]
        return self.workflow.name

    def perform(self):
        ctx = self.workflow.fire_with_context(self.session, self.pk, self.trigger, self.actor, comment=self.comment,
                                              data=self.data, visible=self.visible, commit=False)
        self.before = {"state": ctx.source}
        self.after = {"state": ctx.dest}
        self.detail = (self.comment or "")[:2000] or None
        return ctx.obj


def fire(actor, workflow: Workflow, pk: int, trigger: str, *, comment=None, data=None, visible=None, session=None):
    """Fire one transition through its command; returns the updated row (raises WorkflowError/DomainError)."""
    return FireTransition(actor, workflow, pk, trigger, comment=comment, data=data, visible=visible,
                          session=session).run()


_WORKFLOW_ERRORS = {403: WorkflowForbidden, 404: WorkflowNotFound, 409: WorkflowConflict, 422: WorkflowInvalid}


def as_workflow_error(err: DomainError) -> WorkflowError:
    """The engine's error of the same status, for doors that answer ``WorkflowError`` (the plugin's)."""
    mapped = _WORKFLOW_ERRORS.get(err.status, WorkflowError)(err.message)
    mapped.status = err.status  # e.g. 507/503 of a failing storage keep their status
    return mapped


class FireThroughCommand:
    """Mixed into SIKIPP's workflow APIs and screens: the plugin's ``wf_fire`` hook (used by the single and
    bulk endpoints, the screen's buttons and its bulk actions) runs the :class:`FireTransition` command, so
    every door shares its transaction, audit row and recorded refusals."""

    workflow: Any = None  # the concrete API or view sets its bound Workflow

    def wf_fire(self, pk, trigger, comment=None, data=None, visible=None):
        from flask import g

        try:
            return fire(g.user, self.workflow, pk, trigger, comment=comment, data=data, visible=visible)
        except DomainError as err:
            raise as_workflow_error(err) from None
