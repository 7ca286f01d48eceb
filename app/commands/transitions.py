"""Firing a lifecycle transition (innovation, decree): one command for every door.

The engine checks visibility, role, ownership, source state, comment, data and guards; the command puts
the fire inside its transaction (``commit=False``), records the audit row, and records refused attempts
(404 aside: probing ids is not an attempt on a record)."""
from __future__ import annotations

from typing import Any, Callable, Optional

from app.commands.base import BaseCommand
from workflows.engine import Workflow


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


def fire_many(actor, workflow: Workflow, ids, trigger: str, *, comment=None, data=None, visible=None, session=None):
    """Bulk doors: each id is its own command (own transaction, own audit row); per-id results."""
    from app.extensions import db

    session = session if session is not None else db.session
    return workflow.fire_many(
        session, ids, trigger, actor, comment=comment, data=data, visible=visible,
        fire=lambda pk: fire(actor, workflow, pk, trigger, comment=comment, data=data, visible=visible,
                             session=session))

