"""Registry use cases (issue 12 items 5-7, DESIGN §11): carry an innovation into a new competition; record external
awards, replications and sustainability statuses (create, edit, delete); remind units of missing statuses.

Every door (the API in app/api/registry.py, the screens in app/views/registry.py, the CLI) runs these commands; the
rules are app.services.registry's. Ownership: the Sekretariat (and Admin) for any innovation, an OPD user for its
own unit's innovations only."""
from __future__ import annotations

import datetime
from typing import Any, Optional

from flask_babel import gettext as _
from sqlalchemy import select

from app.commands.base import BaseCommand, snapshot
from app.commands.judging import Field, _flush, _RowCommand, parse_fields
from app.models import Innovation
from app.models.registry import AWARD_LEVELS, ExternalAward, Replication, Sustainability
from app.services import access, decrees, notifications, registry
from app.services.errors import Forbidden, Invalid, NotFound


class RegistryField(Field):
    """The judging commands' field rules plus a date and a choice among ``choices``."""

    def __init__(self, kind: str, *, choices: tuple = (), **kw):
        super().__init__(kind, **kw)
        self.choices = choices

    def _date(self, name, value):
        if isinstance(value, datetime.datetime):
            return value.date()
        if isinstance(value, datetime.date):
            return value
        if isinstance(value, str):
            try:
                return datetime.date.fromisoformat(value.strip())
            except ValueError:
                pass
        raise Invalid(_("Not a valid date (YYYY-MM-DD)."), field=name)

    def _choice(self, name, value):
        if value not in self.choices:
            raise Invalid(_("Choose one of: %(choices)s.", choices=", ".join(self.choices)), field=name)
        return value


# -- carry-over ----------------------------------------------------------------------------------------------


class CarryOver(BaseCommand):
    """A new draft of the same unit and lineage in another competition, with the source's proposal fields (never
    its state, scores, awards or files). Refused (409) when the target competition is closed for submission or the
    lineage already has an entry there; 403 for another unit's innovation."""

    action = "innovation.carry_over"
    target_type = "innovation"

    def __init__(self, actor, pk: int, competition_id: Any, *, session=None):
        super().__init__(actor, session=session)
        self.pk = pk
        self.competition_id = competition_id
        self.target_id = pk

    def validate(self):
        self.source = self.session.execute(
            select(Innovation).where(Innovation.id == self.pk, access.innovation_criterion(self.actor))
        ).scalar_one_or_none()
        if self.source is None:
            raise NotFound(_("Not found"))
        registry.ensure_may_carry(self.actor, self.source)
        competition_id = Field("id").parse("competition_id", self.competition_id)
        # The target competition's write lock first: "one entry per lineage and competition" is judged by one
        # transaction at a time (a double submit or two users at once made two drafts of one lineage).
        self.competition = decrees.lock_competition(self.session, competition_id)
        if self.competition is None:
            raise Invalid(_("Unknown competition."), field="competition_id")
        registry.carry_over_problem(self.session, self.source, self.competition)

    def perform(self):
        copy = registry.carried_copy(self.source, self.competition, self.actor)
        self.session.add(copy)
        _flush(self.session)
        self.audit_data = {"source_id": self.source.id, "competition_id": self.competition.id,
                           "lineage_id": copy.lineage_id}
        self.after = {"id": copy.id, "competition_id": copy.competition_id, "lineage_id": copy.lineage_id}
        self.detail = copy.title
        return copy


# -- rows hanging off an innovation ----------------------------------------------------------------------------


class _InnovationChildCommand(_RowCommand):
    """Create / edit / delete of a row of ``model`` (``innovation_id`` fixed at creation): the actor may record for
    the innovation (``registry.ensure_may_record``); reads go through ``registry.child_criterion``."""

    def validate(self):
        if not (access.is_privileged(self.actor) or "OPD" in access.role_names(self.actor)):
            raise Forbidden(_("Only the proposing unit or the Sekretariat may record this for the innovation."))
        if self.mode == "create":
            self.values = parse_fields(self.fields, self.data, self.fields, create=True)
        elif self.mode == "edit":
            self.values = parse_fields(self.fields, self.data, [n for n in self.editable if n in self.data],
                                       create=False)
        else:
            self.values = {}

    def _row(self):
        row = self._get(registry.child_criterion(self.actor, self.model))
        registry.ensure_may_record(self.actor, row.innovation)
        registry.ensure_may_change_record(self.session, self.actor, row)
        return row

    def _innovation(self):
        innovation = registry.visible_innovation(self.session, self.actor, self.values["innovation_id"])
        registry.ensure_may_record(self.actor, innovation)
        return innovation

    def check(self, row, innovation, exclude_id=None) -> None:
        """The model's own rules on the applied values."""

    def perform(self):
        return self.create() if self.mode == "create" else self.edit()

    def create(self):
        innovation = self._innovation()
        row = self.model(**self.values, created_by_id=getattr(self.actor, "id", None))
        with self.session.no_autoflush:
            self.check(row, innovation)
        return self._created(row)

    def edit(self):
        row = self._row()
        if self.mode == "delete":
            return self._deleted(row)
        changed = {n: v for n, v in self.values.items() if getattr(row, n) != v}
        self.before = snapshot(row, self.columns)
        with self.session.no_autoflush:  # the rules read the stored rows, not this one half-changed
            for name, value in changed.items():
                setattr(row, name, value)
            self.check(row, row.innovation, exclude_id=row.id)
        _flush(self.session)
        self.after = snapshot(row, self.columns)
        return row


YEAR = RegistryField("integer", low=2000, high=2100)
EXTERNAL_AWARD_FIELDS = {
    "innovation_id": Field("id"),
    "level": RegistryField("choice", choices=AWARD_LEVELS),
    "year": YEAR,
    "title": Field("text", low=1, high=200),
    "evidence": Field("text", high=500, required=False),
}
REPLICATION_FIELDS = {
    "innovation_id": Field("id"),
    "replicator": Field("text", low=1, high=200),
    "replicated_on": RegistryField("date"),
    "evidence": Field("text", high=500, required=False),
}
SUSTAINABILITY_FIELDS = {
    "innovation_id": Field("id"),
    "year": YEAR,
    "status": RegistryField("choice", choices=("aktif", "berkembang", "berhenti")),
    "notes": Field("text", high=5000, required=False),
    "evidence": Field("text", high=500, required=False),
}


class _ExternalAwardCommand(_InnovationChildCommand):
    target_type = "external_award"
    model = ExternalAward
    fields = EXTERNAL_AWARD_FIELDS
    editable = ("level", "year", "title", "evidence")
    columns = tuple(EXTERNAL_AWARD_FIELDS)


class CreateExternalAward(_ExternalAwardCommand):
    action = "external_award.create"
    mode = "create"


class EditExternalAward(_ExternalAwardCommand):
    action = "external_award.edit"


class DeleteExternalAward(_ExternalAwardCommand):
    action = "external_award.delete"
    mode = "delete"


class _ReplicationCommand(_InnovationChildCommand):
    target_type = "replication"
    model = Replication
    fields = REPLICATION_FIELDS
    editable = ("replicator", "replicated_on", "evidence")
    columns = tuple(REPLICATION_FIELDS)


class CreateReplication(_ReplicationCommand):
    action = "replication.create"
    mode = "create"


class EditReplication(_ReplicationCommand):
    action = "replication.edit"


class DeleteReplication(_ReplicationCommand):
    action = "replication.delete"
    mode = "delete"


class _SustainabilityCommand(_InnovationChildCommand):
    """A yearly status for an awarded innovation only, one per innovation and year (409 otherwise)."""

    target_type = "sustainability"
    model = Sustainability
    fields = SUSTAINABILITY_FIELDS
    editable = ("year", "status", "notes", "evidence")
    columns = tuple(SUSTAINABILITY_FIELDS)

    def check(self, row, innovation, exclude_id=None):
        registry.check_sustainability(self.session, innovation, row.year, row.status, exclude_id=exclude_id)


class CreateSustainability(_SustainabilityCommand):
    action = "sustainability.create"
    mode = "create"


class EditSustainability(_SustainabilityCommand):
    action = "sustainability.edit"


class DeleteSustainability(_SustainabilityCommand):
    action = "sustainability.delete"
    mode = "delete"


# -- reminders -----------------------------------------------------------------------------------------------


class RemindSustainability(BaseCommand):
    """One in-app notification per unit (to its active users) listing its awarded innovations without this year's
    sustainability status; a unit already reminded today for that year is skipped (re-running the reminder, by hand
    or from a schedule, does not pile them up). Returns {unit id: number of innovations}."""

    action = "sustainability.remind"
    target_type = "sustainability"

    def __init__(self, actor, year: Optional[int] = None, *, session=None):
        super().__init__(actor, session=session)
        self.year = year

    def validate(self):
        if self.actor is not None and not access.is_privileged(self.actor):
            raise Forbidden(_("Only the Sekretariat may do this."))
        self.year = self.year or registry.this_year()

    def perform(self):
        from app.models import Notification
        from app.models.base import utcnow

        missing: dict[int, list] = {}
        for innovation in registry.missing_statuses(self.session, self.year):
            missing.setdefault(innovation.unit_id, []).append(innovation)
        subject = _("Sustainability status %(year)s awaited", year=self.year)
        since = utcnow() - datetime.timedelta(hours=20)
        sent = {}
        for unit_id, rows in missing.items():
            users = registry.reminder_recipients(self.session, unit_id)
            already = self.session.execute(select(Notification.id).where(
                Notification.user_id.in_(users), Notification.subject == subject[:300],
                Notification.created_at >= since)).first() if users else None
            if not users or already is not None:
                continue
            body = _("Record this year's status (aktif, berkembang or berhenti) of: %(titles)s.",
                     titles="; ".join(r.title for r in rows))
            notifications.notify(self.session, users, subject, body, link="/sustainabilityview/add")
            sent[unit_id] = len(rows)
        self.audit_data = {"year": self.year, "units": {str(k): v for k, v in sent.items()}}
        self.detail = str(self.year)
        return sent
