"""Proposal use cases (DESIGN §8): create, edit, delete a proposal; add and remove an attachment.

One command each, called by the API (``app/api/resources.py``, ``app/api/attachments.py``) and by the
screens (``app/views/crud.py``, ``app/views/workflow_views.py``). The rules are the services' (ownership and
draft-only editing: ``innovations.ensure_editable``; title and word limits: ``innovations.check_proposal``;
PDF checks: ``attachments``); the command applies them, owns the transaction and writes the audit row:
the whole proposal on create and delete, the changed fields only (before → after) on edit.
"""
from __future__ import annotations

from typing import Any, Callable, Optional

from sqlalchemy import inspect

from app.commands.base import BaseCommand, json_safe, snapshot
from app.models import PROPOSAL_SECTIONS, Competition
from app.services import attachments, evidence, innovations, registry
from app.services.errors import Conflict, Invalid
from workflows.engine import pending_after_commit

# Replication (issue 12): the original a ``replikasi`` entry replicates (app.services.registry.replicates_problems).
REPLICATION_FIELDS = ("replicates_id", "replicates_text")
PROPOSAL_FIELDS = ("competition_id", "unit_id", "title", *(f for f, _ in PROPOSAL_SECTIONS), "started_on",
                   "video_url", "sdg_goals", "team", "state", "group", "category", *REPLICATION_FIELDS)
EDITABLE_FIELDS = ("title", *(f for f, _ in PROPOSAL_SECTIONS), "started_on", "video_url", "sdg_goals", "team",
                   "group", "category", *REPLICATION_FIELDS)


def pending_original(item, columns=EDITABLE_FIELDS) -> dict:
    """The stored values of ``columns`` of a row a form has already changed in memory (not yet flushed):
    what the screens' edit hands to :class:`EditProposal` as ``original``."""
    state = inspect(item)
    original = {}
    for column in columns:
        history = state.attrs[column].history
        original[column] = history.deleted[0] if history.deleted else getattr(item, column)
    return original


class _ProposalCommand(BaseCommand):
    target_type = "innovation"

    def __init__(self, actor, item, *, session=None):
        super().__init__(actor, session=session)
        self.item = item
        self.target_id = getattr(item, "id", None)

    def check_proposal(self):
        """Title and word limits, against the limits of the row's competition (a new row has only its id)."""
        competition = self.item.competition or self.session.get(Competition, self.item.competition_id)
        innovations.check_proposal(self.item, competition)
        problems = registry.replicates_problems(self.session, self.item)
        if problems:
            field, message = next(iter(problems.items()))
            raise Invalid(message, field=field)


class CreateProposal(_ProposalCommand):
    """A new draft of the proposer's unit (whatever unit, state or owner the client sent)."""

    action = "innovation.create"

    def validate(self):
        innovations.prepare_new(self.session, self.item, self.actor)
        self.check_proposal()

    def perform(self):
        self.session.add(self.item)
        self.session.flush()
        self.target_id = self.item.id
        self.after = snapshot(self.item, PROPOSAL_FIELDS)
        self.detail = self.item.title
        return self.item


class EditProposal(_ProposalCommand):
    """Change a draft of the user's own unit: 403 for another unit or a role that may never edit, 409 outside
    ``draft``, 422 for a missing title or a section over its word limit.

    Either ``apply`` (a callable that writes the new values into the row: the API's schema load) or
    ``original`` (the stored values of a row a form has already changed: :func:`pending_original`)."""

    action = "innovation.edit"

    def __init__(self, actor, item, *, apply: Optional[Callable[[], Any]] = None, original: Optional[dict] = None,
                 session=None):
        super().__init__(actor, item, session=session)
        self.apply = apply
        self.original = original

    def validate(self):
        innovations.ensure_editable(self.item, self.actor)  # judged on the stored state and unit

    def perform(self):
        original = self.original if self.original is not None else {c: getattr(self.item, c) for c in EDITABLE_FIELDS}
        if self.apply is not None:
            self.apply()
        self.check_proposal()
        before, after = {}, {}
        for column, old in original.items():
            new = getattr(self.item, column)
            if json_safe(old) != json_safe(new):
                before[column], after[column] = old, new
        self.before, self.after = before or None, after or None
        self.detail = ", ".join(after) or None
        self.session.add(self.item)
        return self.item


class DeleteProposal(_ProposalCommand):
    """Delete a draft of the user's own unit (403 / 409 as for editing)."""

    action = "innovation.delete"

    def validate(self):
        innovations.ensure_editable(self.item, self.actor, action="delete")

    def perform(self):
        self.before = snapshot(self.item, PROPOSAL_FIELDS)
        self.detail = self.item.title
        self.session.delete(self.item)
        self.session.flush()


class AddAttachment(_ProposalCommand):
    """Check and store one PDF for a draft of the user's own unit. The file is written (and fsynced) before
    the row is committed; if the transaction fails, the file is removed: no row without its file, no file
    left without its row."""

    action = "innovation.attachment_add"

    def __init__(self, actor, item, filename, data: bytes, *, kind: Optional[str] = None, session=None):
        super().__init__(actor, item, session=session)
        self.filename = filename
        self.data = data
        self.kind = kind
        self.written: Optional[str] = None

    def validate(self):
        innovations.ensure_editable(self.item, self.actor)
        self.name = attachments.check_name(self.filename)
        # Typed evidence (issue 12): a known kind when the competition defines kinds, and that kind's size cap.
        competition = self.item.competition
        self.kind = evidence.check_kind(competition, self.kind)
        too_large = evidence.size_problem(competition, self.kind, len(self.data or b""))
        if too_large:
            raise Invalid(too_large, field="file")
        attachments.check_pdf(self.data, attachments.max_bytes(self.item, self.kind))

    def perform(self):
        stored_name = self.written = attachments.write_file(self.data)
        attachment = attachments.new_attachment(self.item, self.actor, self.name, stored_name, self.data,
                                                kind=self.kind)
        self.session.add(attachment)
        self.session.flush()
        self.after = attachments.as_dict(attachment)
        self.detail = self.name
        return attachment

    def run(self):
        try:
            return super().run()
        except BaseException:
            if self.written:
                attachments.discard_file(self.written)
            raise


class RemoveAttachment(_ProposalCommand):
    """Remove an attachment of a draft of the user's own unit; its file goes once the removal is committed."""

    action = "innovation.attachment_remove"

    def __init__(self, actor, item, attachment, *, session=None):
        super().__init__(actor, item, session=session)
        self.attachment = attachment

    def validate(self):
        innovations.ensure_editable(self.item, self.actor)
        if self.attachment.innovation_id != self.item.id:
            raise Conflict(attachments.not_this_innovation_message())

    def perform(self):
        self.before = attachments.as_dict(self.attachment)
        self.detail = self.attachment.original_name
        stored_name = self.attachment.stored_name
        self.session.delete(self.attachment)
        self.session.flush()
        pending_after_commit(self.session).append(("innovation.attachment_remove",
                                                   lambda: attachments.discard_file(stored_name)))
