"""Decree drafts (DESIGN §4, §8): create, edit and delete a draft. Only a draft is editable; a signed (or
revoked) decree is the record and changes only through its lifecycle transitions (app.commands.transitions).
Every door (the decree API in app/api/documents.py, the decree screens) runs these commands."""
from __future__ import annotations

from app.commands.judging import Field, _RowCommand
from app.models import Decree
from app.services import announcements, decrees
from app.services.errors import Conflict

DECREE_FIELDS = {
    "competition_id": Field("id"),
    "title": Field("text", high=500, required=False),
    "considerations": Field("text", high=20000, required=False),
    "legal_bases": Field("text", high=20000, required=False),
}
DECREE_EDITABLE = ("title", "considerations", "legal_bases")
DECREE_COLUMNS = ("competition_id", "state", "number") + DECREE_EDITABLE


class _DecreeCommand(_RowCommand):
    target_type = "decree"
    model = Decree
    fields = DECREE_FIELDS
    editable = DECREE_EDITABLE
    columns = DECREE_COLUMNS


class CreateDecreeDraft(_DecreeCommand):
    """A new draft: title, Menimbang and Mengingat get their editable defaults when left empty, and the
    competition's SAKIP unit awards are brought up to date (app.services.decrees.prepare_draft)."""

    action = "decree.create"
    mode = "create"

    def perform(self):
        # Where results were announced: the objection window has ended and every objection is answered (DESIGN §10).
        blockers = announcements.objection_blockers(self.session, self.values.get("competition_id"))
        if blockers:
            raise Conflict(" ".join(blockers))
        decree = Decree(**self.values)
        decrees.prepare_draft(self.session, decree)
        return self._created(decree)


class EditDecreeDraft(_DecreeCommand):
    action = "decree.edit"

    def perform(self):
        decree = self._get()
        self.session.refresh(decree, with_for_update=True)  # a concurrent `sign` waits, or we see it
        decrees.ensure_draft(decree)
        if self.mode == "delete":
            return self._deleted(decree)
        self._apply(decree, self.values)
        return decree


class DeleteDecreeDraft(EditDecreeDraft):
    action = "decree.delete"
    mode = "delete"
