"""Decree drafts (DESIGN §4, §8): create, edit and delete a draft. Only a draft is editable; a signed (or
revoked) decree is the record and changes only through its lifecycle transitions (app.commands.transitions).
Every door (the decree API in app/api/documents.py, the decree screens) runs these commands."""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from app.commands.judging import Field, _RowCommand
from app.models import Decree
from app.models.base import utcnow
from app.services import decrees
from app.services.errors import Conflict, Invalid

DECREE_FIELDS = {
    "competition_id": Field("id"),
    "title": Field("text", high=500, required=False),
    "considerations": Field("text", high=20000, required=False),
    "legal_bases": Field("text", high=20000, required=False),
    "supersedes_id": Field("id", required=False),
}
DECREE_EDITABLE = ("title", "considerations", "legal_bases", "supersedes_id")
DECREE_COLUMNS = ("competition_id", "state", "number", "text_version") + DECREE_EDITABLE


class _DecreeCommand(_RowCommand):
    target_type = "decree"
    model = Decree
    fields = DECREE_FIELDS
    editable = DECREE_EDITABLE
    columns = DECREE_COLUMNS


class CreateDecreeDraft(_DecreeCommand):
    """A new draft: title, Menimbang and Mengingat get their editable defaults when left empty, and the
    competition's SAKIP unit awards are brought up to date (app.services.decrees.prepare_draft).

    DESIGN §3: refused (409) while the competition has another draft or a readiness condition is missing
    (``decrees.decree_blockers``: each one named). While a decree is signed, the new draft is its replacement;
    ``supersedes_id`` names the decree it revokes or amends (never guessed). The competition's row is locked
    (PostgreSQL) and a partial unique index keeps one draft per competition even under a race."""

    action = "decree.create"
    mode = "create"

    def perform(self):
        competition = decrees.lock_competition(self.session, self.values["competition_id"])
        if competition is None:
            raise Invalid(_("Unknown competition."), field="competition_id")
        decrees.ensure_can_draft(self.session, competition)  # one draft; decree_blockers (rounds, objections)
        decree = Decree(**self.values)
        decrees.check_supersedes(self.session, decree, decree.supersedes_id)
        decrees.prepare_draft(self.session, decree)
        return self._created(decree)

    def _created(self, row):
        self.session.add(row)
        try:
            self.session.flush()
        except IntegrityError:  # another draft won the race (uq_decree_one_draft)
            raise Conflict(_("This competition already has a decree draft.")) from None
        return super()._created(row)


class EditDecreeDraft(_DecreeCommand):
    action = "decree.edit"

    def perform(self):
        decree = self._get()
        self.session.refresh(decree, with_for_update=True)  # a concurrent `sign` waits, or we see it
        decrees.ensure_draft(decree)
        if self.mode == "delete":
            return self._deleted(decree)
        changed = {n: v for n, v in self.values.items() if getattr(decree, n) != v}
        if "supersedes_id" in changed:
            decrees.check_supersedes(self.session, decree, changed["supersedes_id"])
        if changed:  # any edit of the text voids its initials (DESIGN §3)
            decrees.text_changed(self.session, decree, utcnow())
        self._apply(decree, changed)
        return decree


class DeleteDecreeDraft(EditDecreeDraft):
    action = "decree.delete"
    mode = "delete"
