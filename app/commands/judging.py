"""Judging use cases (DESIGN §4, §8): rounds, criteria, assignments, automatic assignment, recusal,
reassignment, score sheets, reopening, reminders and closing a round. One command per use case; every door
(REST API in app/api/judging.py and app/api/resources.py, FAB screens in app/views/judging.py and
app/views/crud.py) only parses its input, runs the command and maps a DomainError / WorkflowError.

The rules live here once:
- the frozen-round rule: once a round has a score sheet, its criteria (add, edit, delete) and the round
  fields that change rankings (:data:`FROZEN_ROUND_FIELDS`) cannot change, and the round cannot be deleted;
- the bounds of round and criterion fields (:data:`ROUND_FIELDS`, :data:`CRITERION_FIELDS`);
- assignments: nothing in a closed round; the juror has the Juri role and is not of the innovation's own
  unit; an assignment with a score sheet, or a recused one (it is the record of the recusal), is neither
  moved to another juror nor deleted;
- closing a round is atomic: advancing, closing and every `score` transition commit together, or nothing.
"""
from __future__ import annotations

import math
from decimal import Decimal
from typing import Any, Optional

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.commands.base import BaseCommand, snapshot
from app.commands.transitions import FireTransition
from app.models import Assignment, Competition, Criterion, Innovation, Round
from app.services import access, assignments, competitions, db_errors, groups, judging, text_rules
from app.services.errors import Conflict, Forbidden, Invalid, NotFound
from workflows.engine import WorkflowError

# Round fields that change rankings (or their meaning) once sheets exist: frozen with the rubric.
FROZEN_ROUND_FIELDS = ("weight", "normalize_z", "blind", "sequence")


# -- field rules (the bounds of every door) ---------------------------------------------------------------

class Field:
    """One writable column: its type and bounds. ``parse`` returns the value to store or raises Invalid."""

    def __init__(self, kind: str, *, low=None, high=None, required=True, default=None):
        self.kind, self.low, self.high, self.required, self.default = kind, low, high, required, default

    def parse(self, name: str, value: Any) -> Any:
        if isinstance(value, str) and self.kind != "text":
            value = value.strip() or None
        if value is None or (self.kind == "text" and isinstance(value, str) and not value.strip()
                             and self.low):
            if self.required:
                raise Invalid(_("This field is required."), field=name)
            return None
        return getattr(self, f"_{self.kind}")(name, value)

    def _integer(self, name, value):
        if isinstance(value, bool) or not isinstance(value, int):
            raise Invalid(_("Must be a whole number."), field=name)
        return self._bounded(name, value)

    def _number(self, name, value):
        if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
            raise Invalid(_("Must be a number greater than 0."), field=name)
        value = float(value)
        if not math.isfinite(value) or value <= 0:
            raise Invalid(_("Must be a number greater than 0."), field=name)
        return self._bounded(name, value)

    def _mark(self, name, value):
        """A score bound (issue 12: a round's pass mark): any number in low..high, 0 included."""
        if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
            raise Invalid(_("Must be a number."), field=name)
        value = float(value)
        if not math.isfinite(value):
            raise Invalid(_("Must be a number."), field=name)
        return self._bounded(name, value)

    def _quotas(self, name, value):
        """{category: whole number ≥ 1} (issue 12: a round's category quotas); {} is stored as null."""
        if isinstance(value, str):
            value = groups.parse_quotas_text(value)
        problem = groups.quotas_problem(value)
        if problem:
            raise Invalid(problem, field=name)
        return {k.strip(): n for k, n in value.items()} or None

    def _bounded(self, name, value):
        if (self.low is not None and value < self.low) or (self.high is not None and value > self.high):
            raise Invalid(_("Number must be between %(min)s and %(max)s.", min=self.low, max=self.high), field=name)
        return value

    def _boolean(self, name, value):
        if not isinstance(value, bool):
            raise Invalid(_("Must be true or false."), field=name)
        return value

    def _text(self, name, value):
        if not isinstance(value, str):
            raise Invalid(_("Must be text."), field=name)
        value = value.strip()
        if "\x00" in value:
            raise Invalid(_("Text must not contain NUL characters."), field=name)
        if text_rules.has_bidi_control(value):  # printed on decrees, berita acara and screens (issue 13)
            raise Invalid(_("Text must not contain invisible text-direction characters (such as U+202E)."),
                          field=name)
        if self.high is not None and len(value) > self.high:
            raise Invalid(_("At most %(max)s characters.", max=self.high), field=name)
        return value or None

    def _id(self, name, value):
        if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 2**31:
            raise Invalid(_("Unknown id."), field=name)
        return value


MAX_WEIGHT = 1_000_000.0  # far beyond any sensible weight; keeps sums and products finite
ROUND_FIELDS = {
    "competition_id": Field("id"),
    "name": Field("text", low=1, high=200),
    "sequence": Field("integer", low=1, high=1000, default=1),
    "weight": Field("number", high=MAX_WEIGHT, default=1.0),
    "shortlist_size": Field("integer", low=1, high=1_000_000, required=False),
    "blind": Field("boolean", default=False),
    "normalize_z": Field("boolean", default=False),
    # issue 12 item 2: pass mark and category quotas of the shortlist (app.services.balancing.shortlist)
    "pass_mark": Field("mark", low=0, high=100, required=False),
    "category_quotas": Field("quotas", required=False),
}
ROUND_EDITABLE = ("name", "sequence", "weight", "shortlist_size", "blind", "normalize_z", "pass_mark",
                  "category_quotas")
CRITERION_FIELDS = {
    "round_id": Field("id"),
    "name": Field("text", low=1, high=200),
    "description": Field("text", high=5000, required=False),
    "weight": Field("number", high=MAX_WEIGHT, default=1.0),
    "max_score": Field("number", high=float(judging.MAX_VALUE), default=100.0),
    "sequence": Field("integer", low=0, high=1000, default=1),
}
CRITERION_EDITABLE = ("name", "description", "weight", "max_score", "sequence")
ASSIGNMENT_FIELDS = {"round_id": Field("id"), "innovation_id": Field("id"), "juror_id": Field("id")}


def parse_fields(rules: dict, data: dict, names, *, create: bool) -> dict:
    """The parsed values of ``names`` present in ``data`` (on create, absent ones take their default or
    are required). Raises Invalid naming the first bad field."""
    values = {}
    for name in names:
        rule = rules[name]
        if name in data:
            values[name] = rule.parse(name, data[name])
        elif create:
            values[name] = rule.parse(name, rule.default)
    return values


def require_privileged(actor) -> None:
    """Rounds, criteria, assignments, closing and reopening are the Sekretariat's (and Admin's)."""
    if not access.is_privileged(actor):
        raise Forbidden(_("Only the Sekretariat may do this."))


def _flush(session) -> None:
    """Flush, a database rule (unique, foreign key) broken by the input being a 422, not a 500."""
    try:
        session.flush()
    except IntegrityError as err:
        message, field = db_errors.integrity_message(err)  # never the database's own text
        raise Invalid(message, field=field) from None


def _flush_delete(session, row) -> None:
    session.delete(row)
    try:
        session.flush()
    except IntegrityError:
        raise Conflict(_("This record is still used by other data and cannot be deleted.")) from None


class _RowCommand(BaseCommand):
    """Create / edit / delete (``mode``) of one row of ``model``: the actor must be the Sekretariat (or Admin),
    the input is parsed by ``fields`` (all of them on create, the ``editable`` ones sent on edit); ``columns``
    are audited. Subclasses add the rules in ``perform``."""

    model: Any = None
    mode: str = "edit"
    fields: dict = {}
    editable: tuple = ()
    columns: tuple = ()

    def __init__(self, actor, pk: Optional[int] = None, data: Optional[dict] = None, *, session=None):
        super().__init__(actor, session=session)
        self.pk = pk
        self.data = dict(data or {})
        self.target_id = pk

    def validate(self):
        require_privileged(self.actor)
        if self.mode == "create":
            self.values = parse_fields(self.fields, self.data, self.fields, create=True)
        elif self.mode == "edit":
            self.values = parse_fields(self.fields, self.data, [n for n in self.editable if n in self.data],
                                       create=False)
        else:
            self.values = {}

    def _ensure_exists(self, model, field, message):
        if self.session.get(model, self.values[field]) is None:
            raise Invalid(message, field=field)

    def _get(self, criterion=None):
        query = select(self.model).where(self.model.id == self.pk)
        if criterion is not None:
            query = query.where(criterion)
        row = self.session.execute(query.execution_options(populate_existing=True)).scalar_one_or_none()
        if row is None:
            raise NotFound(_("Not found"))
        return row

    def _apply(self, row, values) -> None:
        self.before = snapshot(row, self.columns)
        for name, value in values.items():
            setattr(row, name, value)
        _flush(self.session)
        self.after = snapshot(row, self.columns)

    def _created(self, row):
        self.session.add(row)
        _flush(self.session)
        self.target_id = row.id
        self.after = snapshot(row, self.columns)
        return row

    def _deleted(self, row):
        self.before = snapshot(row, self.columns)
        _flush_delete(self.session, row)
        return row


# -- rounds ---------------------------------------------------------------------------------------------

def _ensure_sequence_free(session, competition_id, sequence, round_id=None) -> None:
    query = select(Round.id).where(Round.competition_id == competition_id, Round.sequence == sequence)
    if round_id is not None:
        query = query.where(Round.id != round_id)
    if session.execute(query).first() is not None:
        raise Invalid(_("Another round of this competition already has this order."), field="sequence")


def _ensure_quota_categories(competition, quotas) -> None:
    """The quotas name categories the competition ranks by (its categories, else the unit kinds)."""
    problem = groups.quotas_problem(quotas, competition) if quotas else None
    if problem:
        raise Invalid(problem, field="category_quotas")


class _RoundCommand(_RowCommand):
    target_type = "round"
    model = Round
    fields = ROUND_FIELDS
    editable: tuple[str, ...] = ROUND_EDITABLE
    columns: tuple[str, ...] = ROUND_EDITABLE


class CreateRound(_RoundCommand):
    action = "round.create"
    mode = "create"
    columns = tuple(ROUND_FIELDS)

    def perform(self):
        self._ensure_exists(Competition, "competition_id", _("Unknown competition."))
        _ensure_sequence_free(self.session, self.values["competition_id"], self.values["sequence"])
        _ensure_quota_categories(self.session.get(Competition, self.values["competition_id"]),
                                 self.values.get("category_quotas"))
        return self._created(Round(**self.values))


class EditRound(_RoundCommand):
    """Name and shortlist size stay editable until the round is closed; the fields that change rankings are
    frozen once the round has a score sheet."""

    action = "round.edit"

    def perform(self):
        if not judging._lock(self.session, Round, self.pk):
            raise NotFound(_("Not found"))
        rnd = self._get()
        changed = {n: v for n, v in self.values.items() if getattr(rnd, n) != v}
        if any(n in FROZEN_ROUND_FIELDS for n in changed):
            competitions.ensure_rubric_editable(self.session, rnd.id)
        if rnd.closed_at is not None and {"shortlist_size", "pass_mark", "category_quotas"} & set(changed):
            raise Conflict(_("Round \"%(round)s\" is closed.", round=rnd.name))
        if "category_quotas" in changed:
            _ensure_quota_categories(rnd.competition, changed["category_quotas"])
        if "sequence" in changed:
            _ensure_sequence_free(self.session, rnd.competition_id, changed["sequence"], rnd.id)
        self._apply(rnd, changed)
        return rnd


class DeleteRound(_RoundCommand):
    action = "round.delete"
    mode = "delete"

    def perform(self):
        rnd = self._get()
        competitions.ensure_rubric_editable(self.session, rnd.id)
        return self._deleted(rnd)


# -- criteria (the rubric) ------------------------------------------------------------------------------

class _CriterionCommand(_RowCommand):
    target_type = "criterion"
    model = Criterion
    fields = CRITERION_FIELDS
    editable = CRITERION_EDITABLE
    columns = ("round_id",) + CRITERION_EDITABLE


class CreateCriterion(_CriterionCommand):
    action = "criterion.create"
    mode = "create"

    def perform(self):
        self._ensure_exists(Round, "round_id", _("Unknown round."))
        judging._lock(self.session, Round, self.values["round_id"])
        competitions.ensure_rubric_editable(self.session, self.values["round_id"])
        return self._created(Criterion(**self.values))


class EditCriterion(_CriterionCommand):
    action = "criterion.edit"

    def perform(self):
        criterion = self._get()
        judging._lock(self.session, Round, criterion.round_id)
        competitions.ensure_rubric_editable(self.session, criterion.round_id)
        if self.mode == "delete":
            return self._deleted(criterion)
        self._apply(criterion, self.values)
        return criterion


class DeleteCriterion(EditCriterion):
    action = "criterion.delete"
    mode = "delete"


# -- assignments ----------------------------------------------------------------------------------------

ASSIGNMENT_COLUMNS = ("round_id", "innovation_id", "juror_id", "status")


def ensure_assignment_movable(assignment) -> None:
    """An assignment keeps its juror once it has a sheet or is recused (it is then the record)."""
    judging.ensure_assignment_changeable(assignment)
    if assignment.status != "active":
        raise Conflict(_("A recused assignment stays as the record: reassign it instead."))


class _AssignmentRowCommand(_RowCommand):
    target_type = "assignment"
    model = Assignment
    fields = ASSIGNMENT_FIELDS
    editable = ("juror_id",)
    columns = ASSIGNMENT_COLUMNS


class CreateAssignment(_AssignmentRowCommand):
    action = "assignment.create"
    mode = "create"

    def perform(self):
        row = Assignment(status="active", **self.values)
        assignments.validate_assignment(self.session, row)  # Juri role, not the innovation's own unit
        judging._lock(self.session, Round, row.round_id)
        judging.validate_new_assignment(self.session, row)  # the round is open
        taken = self.session.execute(select(Assignment.id).where(
            Assignment.round_id == row.round_id, Assignment.innovation_id == row.innovation_id,
            Assignment.juror_id == row.juror_id)).first()
        if taken is not None:
            raise Conflict(_("This juror is already assigned to this innovation in this round."))
        return self._created(row)


class EditAssignment(_AssignmentRowCommand):
    """Move an assignment to another juror: refused once it has a sheet or is recused, or in a closed round;
    the new juror must be eligible. (Delete: refused once it has a sheet or is recused.)"""

    action = "assignment.edit"

    def perform(self):
        row = judging._load_assignment(self.session, self._get(access.assignment_criterion(self.actor)).id)
        ensure_assignment_movable(row)
        if self.mode == "delete":
            return self._deleted(row)
        judging.ensure_open(row.round)
        if "juror_id" in self.values and self.values["juror_id"] != row.juror_id:
            probe = Assignment(round_id=row.round_id, innovation_id=row.innovation_id,
                               juror_id=self.values["juror_id"])
            assignments.validate_assignment(self.session, probe)  # Juri role, not the innovation's own unit
        self._apply(row, self.values)
        return row


class DeleteAssignment(EditAssignment):
    action = "assignment.delete"
    mode = "delete"


def _visible_assignment(session, actor, pk) -> Assignment:
    row = session.execute(select(Assignment).where(
        Assignment.id == pk, access.assignment_criterion(actor))).scalar_one_or_none()
    if row is None:
        raise NotFound(_("Not found"))
    return row


def _round(session, pk) -> Round:
    return judging.get_round(session, pk)


class AutoAssign(BaseCommand):
    action = "round_auto_assigned"
    target_type = "round"

    def __init__(self, actor, round_id, jurors_per_innovation, juror_ids=None, *, session=None):
        super().__init__(actor, session=session)
        self.target_id, self.n, self.juror_ids = round_id, jurors_per_innovation, juror_ids

    def validate(self):
        _round(self.session, self.target_id)
        require_privileged(self.actor)

    def perform(self):
        result = judging.auto_assign(self.session, _round(self.session, self.target_id), self.n, self.actor,
                                     juror_ids=self.juror_ids)
        self.detail = f"{result['created']} assignments, {self.n} jurors per innovation"
        self.audit_data = {"created": result["created"], "jurors_per_innovation": self.n,
                           "loads": {str(x["juror_id"]): x["load"] for x in result["loads"]}}
        return result


class _AssignmentCommand(BaseCommand):
    target_type = "assignment"

    def __init__(self, actor, assignment_id, *, session=None):
        super().__init__(actor, session=session)
        self.target_id = assignment_id

    def validate(self):
        self.assignment = _visible_assignment(self.session, self.actor, self.target_id)

    def _context(self, row):
        return {"round_id": row.round_id, "innovation_id": row.innovation_id, "juror_id": row.juror_id}


class Recuse(_AssignmentCommand):
    """A juror declares a conflict of interest on its own assignment (or the Sekretariat records it)."""

    action = "assignment_recused"

    def __init__(self, actor, assignment_id, reason, *, session=None):
        super().__init__(actor, assignment_id, session=session)
        self.reason = reason

    def perform(self):
        row = judging.recuse(self.session, self.target_id, self.actor, self.reason)
        self.before, self.after = {"status": "active"}, {"status": row.status}
        self.detail, self.audit_data = row.recusal_reason, self._context(row)
        return row


class Reassign(_AssignmentCommand):
    """A recused assignment's innovation goes to another juror (given, or the least loaded eligible one)."""

    action = "assignment_reassigned"

    def __init__(self, actor, assignment_id, juror_id=None, *, session=None):
        super().__init__(actor, assignment_id, session=session)
        self.juror_id = juror_id

    def validate(self):
        super().validate()
        require_privileged(self.actor)

    def perform(self):
        new = judging.reassign(self.session, self.target_id, self.actor, self.juror_id)
        old = self.assignment
        self.target_id, self.detail = new.id, f"#{old.id} → #{new.id}"
        self.before, self.after = {"assignment_id": old.id, "juror_id": old.juror_id}, \
            {"assignment_id": new.id, "juror_id": new.juror_id}
        self.audit_data = {**self._context(new), "from_assignment_id": old.id, "from_juror_id": old.juror_id}
        return new


def _sheet_state(row) -> dict:
    sheet = row.sheet
    if sheet is None:
        return {"final": False, "scores": {}}
    return {"final": bool(sheet.is_final), "comment": sheet.comment,
            "scores": {str(s.criterion_id): str(s.value) for s in sheet.scores}}


class SaveScoreSheet(_AssignmentCommand):
    """The assigned juror fills in its sheet: values 0..max_score with at most two decimals; ``final`` locks
    it (only the Sekretariat reopens it)."""

    action = "score_sheet_saved"

    def __init__(self, actor, assignment_id, scores, comment=None, final=False, *, session=None):
        super().__init__(actor, assignment_id, session=session)
        self.scores, self.comment, self.final = scores, comment, final

    def perform(self):
        self.before = _sheet_state(self.assignment)
        row = judging.save_scores(self.session, self.target_id, self.actor, self.scores, self.comment, self.final)
        self.after = _sheet_state(row)
        self.audit_data = self._context(row)
        return row


class ReopenScoreSheet(_AssignmentCommand):
    action = "score_sheet_reopened"
    target_type = "score_sheet"

    def __init__(self, actor, assignment_id, reason, *, session=None):
        super().__init__(actor, assignment_id, session=session)
        self.reason = reason

    def validate(self):
        super().validate()
        require_privileged(self.actor)

    def perform(self):
        row = judging.reopen(self.session, self.target_id, self.actor, self.reason)
        self.target_id = row.sheet.id
        self.before, self.after = {"final": True}, {"final": False}
        self.detail = self.reason.strip()
        self.audit_data = {"assignment_id": row.id, **self._context(row)}
        return row


class RemindJurors(BaseCommand):
    """Remind the round's late jurors (one ``juror_reminded`` record each; mail after the commit)."""

    action = "round_reminded"
    target_type = "round"

    def __init__(self, actor, round_id, juror_ids=None, *, session=None):
        super().__init__(actor, session=session)
        self.target_id, self.juror_ids = round_id, juror_ids

    def validate(self):
        _round(self.session, self.target_id)
        require_privileged(self.actor)

    def perform(self):
        reminded = judging.remind_late_jurors(self.session, _round(self.session, self.target_id), self.actor,
                                              self.juror_ids)
        self.audit_data = {"reminded": [r["juror_id"] for r in reminded]}
        self.detail = f"{len(reminded)} jurors reminded"
        return reminded


class CloseRound(BaseCommand):
    """Close a round atomically: per group × category the top ``shortlist_size`` (or the category's quota)
    scoring at least the round's ``pass_mark`` advance to the next round, the
    round closes, and every other participant is scored (the `score` transition, nested: it joins this
    transaction). If one `score` fails, nothing changes and the 409 names the innovation and the reason."""

    action = "round_closed"
    target_type = "round"

    def __init__(self, actor, round_id, *, session=None):
        super().__init__(actor, session=session)
        self.target_id = round_id

    def validate(self):
        _round(self.session, self.target_id)
        require_privileged(self.actor)

    def perform(self):
        from app.lifecycles import innovation_workflow

        rnd = _round(self.session, self.target_id)
        closed = judging.close_round(self.session, rnd)
        nxt = closed["next_round"]
        for pk in closed["remaining"]:
            try:
                FireTransition(self.actor, innovation_workflow, pk, "score", session=self.session).run()
            except (WorkflowError, Conflict, Invalid, Forbidden) as err:
                title = self.session.execute(select(Innovation.title).where(Innovation.id == pk)).scalar()
                raise Conflict(_("Innovation #%(id)s \"%(title)s\" cannot be scored: %(reason)s The round was not "
                                 "closed; nothing was changed.", id=pk, title=title,
                                 reason=getattr(err, "message", str(err)))) from None
        self.before, self.after = {"closed_at": None}, {"closed_at": rnd.closed_at}
        self.detail = f"{len(closed['advanced'])} advance to {nxt.name if nxt else '-'}"
        self.audit_data = {"advanced": closed["advanced"], "scored": closed["remaining"],
                           "next_round_id": nxt.id if nxt else None}
        return {"round_id": rnd.id, "closed_at": rnd.closed_at.isoformat() + "Z",
                "next_round_id": nxt.id if nxt else None, "advanced": closed["advanced"],
                "scored": closed["remaining"], "failed": []}
