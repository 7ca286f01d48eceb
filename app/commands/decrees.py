"""Decree drafts (DESIGN §4, §8): create, edit and delete a draft. Only a draft is editable; a signed (or
revoked) decree is the record and changes only through its lifecycle transitions (app.commands.transitions).
Every door (the decree API in app/api/documents.py, the decree screens) runs these commands."""
from __future__ import annotations

from flask_babel import gettext as _

from app.commands.judging import Field, _RowCommand, parse_fields
from app.models import Decree
from app.services import access, decrees
from app.services.errors import Forbidden

DECREE_FIELDS = {
    "competition_id": Field("id"),
    "title": Field("text", high=500, required=False),
    "considerations": Field("text", high=20000, required=False),
    "legal_bases": Field("text", high=20000, required=False),
}
DECREE_EDITABLE = ("title", "considerations", "legal_bases")
DECREE_COLUMNS = ("competition_id", "state", "number") + DECREE_EDITABLE


def require_secretariat(actor) -> None:
    if not access.is_privileged(actor):
        raise Forbidden(_("Only the Sekretariat may do this."))


class CreateDecreeDraft(_RowCommand):
    """A new draft: title, Menimbang and Mengingat get their editable defaults when left empty, and the
    competition's SAKIP unit awards are brought up to date (app.services.decrees.prepare_draft)."""

    action = "decree.create"
    target_type = "decree"
    model = Decree
    columns = DECREE_COLUMNS

    def validate(self):
        require_secretariat(self.actor)
        self.values = parse_fields(DECREE_FIELDS, self.data, DECREE_FIELDS, create=True)

    def perform(self):
        decree = Decree(**self.values)
        decrees.prepare_draft(self.session, decree)
        return self._created(decree)


class EditDecreeDraft(_RowCommand):
    action = "decree.edit"
    target_type = "decree"
    model = Decree
    columns = DECREE_COLUMNS

    def validate(self):
        require_secretariat(self.actor)
        self.values = parse_fields(DECREE_FIELDS, self.data, [n for n in DECREE_EDITABLE if n in self.data],
                                   create=False)

    def perform(self):
        decree = self._get()
        self.session.refresh(decree, with_for_update=True)  # a concurrent `sign` waits, or we see it
        decrees.ensure_draft(decree)
        self._apply(decree, self.values)
        return decree


class DeleteDecreeDraft(_RowCommand):
    action = "decree.delete"
    target_type = "decree"
    model = Decree
    columns = DECREE_COLUMNS

    def validate(self):
        require_secretariat(self.actor)

    def perform(self):
        decree = self._get()
        self.session.refresh(decree, with_for_update=True)
        decrees.ensure_draft(decree)
        return self._deleted(decree)
