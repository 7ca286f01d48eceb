"""Judging: who takes part in a round, automatic assignment, recusal, score sheets, progress, reminders
and closing a round. Plain domain functions (no request, no view, no commit): the use cases in
app.commands.judging own the transaction and the audit rows; errors are DomainErrors.

Locking: every write starts with a no-op UPDATE of the row it protects (the round, or the assignment).
On PostgreSQL that takes the row lock; on SQLite it takes the database write lock before anything is read,
so two concurrent submissions or assignment runs are serialised and the second sees the first's result.
"""
from decimal import Decimal, InvalidOperation

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import and_, case, func, or_, select, update
from sqlalchemy.exc import OperationalError

from app.models import (
    Assignment,
    AuditLog,
    Criterion,
    Innovation,
    Round,
    Score,
    ScoreSheet,
    User,
)
from app.models.base import utcnow
from app.services import access, audit, balancing, scoring
from app.services.errors import Conflict, Forbidden, Invalid, NotFound
from workflows.engine import is_lost_race, pending_after_commit

MAX_VALUE = Decimal("99999.99")  # Score.value is NUMERIC(7, 2)
MAX_COMMENT = 5000
MAX_JURORS_PER_INNOVATION = 20


# -- helpers -------------------------------------------------------------------------------------------

_LOCK_COLUMNS = {"round": "name", "assignment": "status"}


def _lock(session, model, pk):
    """Take the row's write lock (see the module docstring); False if the row does not exist.
    The no-op UPDATE touches a non-key column (updating a key would also check foreign keys).
    A lock timeout is a 409; rolling back is the enclosing command's business (it owns the transaction)."""
    column = _LOCK_COLUMNS[model.__tablename__]
    try:
        result = session.execute(update(model).where(model.id == pk).values({column: getattr(model, column)})
                                 .execution_options(synchronize_session=False))
    except OperationalError as err:  # SQLite: another writer held the database longer than busy_timeout
        if is_lost_race(err):
            raise Conflict(_("The record is being changed by someone else; try again.")) from None
        raise
    return result.rowcount == 1


def is_blind_juror(user):
    """A user who sees proposals only as a juror (blind rounds hide the unit from such users)."""
    roles = access.role_names(user)
    return "Juri" in roles and not roles & {"Admin", "Sekretariat", "Penandatangan"}


def blind_innovation_ids(session, user, innovation_ids=None):
    """Innovations whose unit ``user`` must not see: it is assigned to them in a blind round."""
    if not is_blind_juror(user):
        return set()
    query = (select(Assignment.innovation_id).join(Round, Round.id == Assignment.round_id)
             .where(Assignment.juror_id == user.id, Round.blind.is_(True)))
    if innovation_ids is not None:
        ids = [i for i in innovation_ids if isinstance(i, int)]
        if not ids:
            return set()
        query = query.where(Assignment.innovation_id.in_(ids))
    return set(session.execute(query).scalars())


def has_blind_assignments(session, user):
    return is_blind_juror(user) and session.execute(
        select(Assignment.id).join(Round, Round.id == Assignment.round_id)
        .where(Assignment.juror_id == user.id, Round.blind.is_(True)).limit(1)).first() is not None


def first_round_id(session, competition_id):
    return session.execute(select(Round.id).where(Round.competition_id == competition_id)
                           .order_by(Round.sequence).limit(1)).scalar()


def next_round(session, rnd):
    return (session.query(Round).filter(Round.competition_id == rnd.competition_id, Round.sequence > rnd.sequence)
            .order_by(Round.sequence).first())


def open_earlier_round(session, rnd):
    """The first round of ``rnd``'s competition before it that is not closed yet (its shortlist has not advanced
    to ``rnd``), or None."""
    return (session.query(Round).filter(Round.competition_id == rnd.competition_id, Round.sequence < rnd.sequence,
                                        Round.closed_at.is_(None))
            .order_by(Round.sequence).first())


def participant_criterion(session, rnd):
    """Innovations taking part in ``rnd``: verified, and this is their current round (an innovation
    without one is in the competition's first round)."""
    current = Innovation.current_round_id == rnd.id
    if first_round_id(session, rnd.competition_id) == rnd.id:
        current = or_(current, Innovation.current_round_id.is_(None))
    return and_(Innovation.competition_id == rnd.competition_id, Innovation.state == "verified", current)


def took_part_criterion(session, rnd):
    """Innovations counted as ``rnd``'s participants on its progress page and the dashboard: those taking part now
    (:func:`participant_criterion`) and those judged in it already (an active assignment: scored, awarded or
    advanced since), so every innovation of the round's ranking is one of them."""
    judged = (select(Assignment.id).where(Assignment.round_id == rnd.id, Assignment.innovation_id == Innovation.id,
                                          Assignment.status == "active").exists())
    return or_(participant_criterion(session, rnd), and_(Innovation.competition_id == rnd.competition_id, judged))


def get_round(session, pk):
    rnd = session.get(Round, pk)
    if rnd is None:
        raise NotFound(_("Not found"))
    return rnd


def ensure_open(rnd):
    if rnd.closed_at is not None:
        raise Conflict(_("Round \"%(round)s\" is closed.", round=rnd.name))


def active_jurors(session, juror_ids=None):
    query = (session.query(User).filter(User.active.is_(True))
             .filter(User.roles.any(name="Juri")).order_by(User.id))
    jurors = query.all()
    if juror_ids is not None:
        wanted = set(juror_ids)
        jurors = [j for j in jurors if j.id in wanted]
        unknown = wanted - {j.id for j in jurors}
        if unknown:
            raise Invalid(_("Not active jurors: %(ids)s.", ids=", ".join(str(i) for i in sorted(unknown))),
                          field="juror_ids")
    return jurors


# -- automatic assignment ------------------------------------------------------------------------------

def auto_assign(session, rnd, jurors_per_innovation, user, juror_ids=None):
    """Give every participant of ``rnd`` ``jurors_per_innovation`` active jurors, never one of its own unit
    nor one who recused, keeping existing assignments and making the juror loads as even as possible
    (app.services.balancing). All or nothing: 422 if some innovation cannot get enough jurors."""
    n = jurors_per_innovation
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_JURORS_PER_INNOVATION:
        raise Invalid(_("Must be a whole number from 1 to %(max)s.", max=MAX_JURORS_PER_INNOVATION),
                      field="jurors_per_innovation")
    if juror_ids is not None and (not isinstance(juror_ids, list)
                                  or not all(isinstance(j, int) and not isinstance(j, bool) for j in juror_ids)):
        raise Invalid(_("Must be a list of user ids."), field="juror_ids")
    _lock(session, Round, rnd.id)
    session.refresh(rnd)
    ensure_open(rnd)
    jurors = active_jurors(session, juror_ids)
    if not jurors:
        raise Invalid(_("There is no active juror."), field="juror_ids")
    participants = session.execute(select(Innovation.id, Innovation.unit_id, Innovation.title)
                                   .where(participant_criterion(session, rnd))).all()
    if not participants:
        earlier = open_earlier_round(session, rnd)
        if earlier is not None:
            raise Conflict(_("Round \"%(earlier)s\" must be closed first: only the innovations it advances take part "
                             "in round \"%(round)s\".", earlier=earlier.name, round=rnd.name))
        raise Conflict(_("No verified innovation takes part in round \"%(round)s\".", round=rnd.name))
    existing = session.execute(select(Assignment.innovation_id, Assignment.juror_id, Assignment.status)
                               .where(Assignment.round_id == rnd.id)).all()
    taken = {(i, j) for i, j, _s in existing}
    active_count, fixed_load = {}, {j.id: 0 for j in jurors}
    for i, j, status in existing:
        if status == "active":
            active_count[i] = active_count.get(i, 0) + 1
            if j in fixed_load:
                fixed_load[j] += 1
    demand, eligible = {}, {}
    for inn_id, unit_id, _title in participants:
        demand[inn_id] = max(0, n - active_count.get(inn_id, 0))
        eligible[inn_id] = [j.id for j in jurors if j.unit_id != unit_id and (inn_id, j.id) not in taken]
    try:
        chosen = balancing.balanced_assignment(demand, eligible, fixed_load)
    except balancing.Infeasible as err:
        titles = {i: t for i, _u, t in participants}
        names = "; ".join("#%s %s (%s)" % (i, titles[i], _("%(n)s missing", n=m))
                          for i, m in sorted(err.shortages.items())[:10])
        raise Invalid(_("Not enough eligible jurors (other unit, not recused) for %(count)s innovations: "
                        "%(list)s.", count=len(err.shortages), list=names), field="jurors_per_innovation") from None
    rows = [Assignment(round_id=rnd.id, innovation_id=i, juror_id=j, status="active")
            for i in sorted(chosen) for j in chosen[i]]
    session.add_all(rows)
    session.flush()
    loads = balancing.loads_of(chosen, fixed_load)
    return {"created": len(rows), "jurors_per_innovation": n, "innovations": len(participants),
            "loads": [{"juror_id": j.id, "name": j.username, "load": loads.get(j.id, 0)} for j in jurors],
            "assignments": [{"id": a.id, "innovation_id": a.innovation_id, "juror_id": a.juror_id} for a in rows]}


def validate_new_assignment(session, assignment):
    """Manual assignment rules beyond app.services.assignments.validate_assignment."""
    rnd = session.get(Round, assignment.round_id)
    if rnd is not None:
        ensure_open(rnd)


def ensure_assignment_changeable(assignment):
    if assignment.sheet is not None:
        raise Conflict(_("This assignment already has a score sheet: recuse or reopen instead of changing it."))


# -- recusal and reassignment ---------------------------------------------------------------------------

def _load_assignment(session, pk):
    if not _lock(session, Assignment, pk):
        raise NotFound(_("Not found"))
    assignment = session.execute(select(Assignment).where(Assignment.id == pk)
                                 .execution_options(populate_existing=True)).scalar_one()
    if assignment.sheet is not None:
        session.refresh(assignment.sheet)
    return assignment


def recuse(session, assignment_id, user, reason):
    """A juror declares a conflict of interest on its own assignment (or the Sekretariat records it)."""
    reason = (reason or "").strip() if isinstance(reason, str) else None
    if not reason:
        raise Invalid(_("Give the reason of the conflict of interest."), field="reason")
    if len(reason) > MAX_COMMENT:
        raise Invalid(_("At most %(max)s characters.", max=MAX_COMMENT), field="reason")
    assignment = _load_assignment(session, assignment_id)
    if assignment.juror_id != user.id and not access.is_privileged(user):
        raise Forbidden(_("Only the assigned juror may declare a conflict of interest."))
    ensure_open(assignment.round)
    if assignment.status == "recused":
        raise Conflict(_("This assignment is already recused."))
    if assignment.sheet is not None and assignment.sheet.is_final:
        raise Conflict(_("The score sheet is final; ask the Sekretariat to reopen it first."))
    assignment.status = "recused"
    assignment.recusal_reason = reason
    session.flush()
    return assignment


def reassign(session, assignment_id, user, juror_id=None):
    """Replace a recused assignment by a new one for ``juror_id`` or, if none is given, for the least loaded
    eligible juror of the round (ties: lowest id). The recused assignment stays as the record."""
    if juror_id is not None and (isinstance(juror_id, bool) or not isinstance(juror_id, int)):
        raise Invalid(_("Unknown id."), field="juror_id")
    old = _load_assignment(session, assignment_id)
    rnd = old.round
    _lock(session, Round, rnd.id)
    ensure_open(rnd)
    if old.status != "recused":
        raise Conflict(_("Only a recused assignment can be reassigned."))
    innovation = old.innovation
    taken = set(session.execute(select(Assignment.juror_id).where(
        Assignment.round_id == rnd.id, Assignment.innovation_id == innovation.id)).scalars())
    jurors = active_jurors(session)
    candidates = [j for j in jurors if j.unit_id != innovation.unit_id and j.id not in taken]
    if juror_id is not None:
        picked = [j for j in candidates if j.id == juror_id]
        if not picked:
            raise Invalid(_("This juror cannot take the innovation (not a juror, same unit, or already "
                            "assigned to it)."), field="juror_id")
        juror = picked[0]
    else:
        if not candidates:
            raise Invalid(_("No eligible juror is left for this innovation."), field="juror_id")
        loads = dict(session.execute(select(Assignment.juror_id, func.count()).where(
            Assignment.round_id == rnd.id, Assignment.status == "active").group_by(Assignment.juror_id)).all())
        juror = min(candidates, key=lambda j: (loads.get(j.id, 0), j.id))
    new = Assignment(round_id=rnd.id, innovation_id=innovation.id, juror_id=juror.id, status="active")
    session.add(new)
    session.flush()
    return new


# -- score sheets -------------------------------------------------------------------------------------------

def criteria_of(session, round_id):
    return (session.query(Criterion).filter(Criterion.round_id == round_id)
            .order_by(Criterion.sequence, Criterion.id).all())


def sheet_total(criteria, values):
    """The DESIGN §4 sheet score of one (complete) sheet, or None if a criterion has no value."""
    if not criteria or any(c.id not in values for c in criteria):
        return None
    return scoring.sheet_score([(c.id, c.weight, c.max_score) for c in criteria], values)


def sheet_as_dict(session, assignment, hide_unit=False):
    criteria = criteria_of(session, assignment.round_id)
    sheet = assignment.sheet
    values = {s.criterion_id: s.value for s in sheet.scores} if sheet is not None else {}
    innovation = assignment.innovation
    total = sheet_total(criteria, values)
    return {
        "assignment_id": assignment.id,
        "round_id": assignment.round_id,
        "innovation_id": assignment.innovation_id,
        "title": innovation.title,
        "unit": None if hide_unit else (innovation.unit.name if innovation.unit else None),
        "juror_id": assignment.juror_id,
        "status": assignment.status,
        "final": bool(sheet is not None and sheet.is_final),
        "comment": sheet.comment if sheet is not None else None,
        "submitted_at": sheet.submitted_at.isoformat() + "Z" if sheet is not None and sheet.submitted_at else None,
        "updated_at": sheet.updated_at.isoformat() + "Z" if sheet is not None and sheet.updated_at else None,
        "score": total,
        "scores": [{"criterion_id": c.id, "name": c.name, "description": c.description, "weight": c.weight,
                    "max_score": c.max_score,
                    "value": float(values[c.id]) if c.id in values else None} for c in criteria],
    }


def parse_value(raw, criterion):
    """A score value: a number (decimals allowed, at most 2 places) from 0 to the criterion's max_score."""
    if isinstance(raw, bool) or not isinstance(raw, (int, float, Decimal)):
        raise Invalid(_("Criterion \"%(name)s\": the value must be a number.", name=criterion.name), field="scores")
    try:
        value = Decimal(str(raw))
    except InvalidOperation:
        raise Invalid(_("Criterion \"%(name)s\": the value must be a number.", name=criterion.name),
                      field="scores") from None
    if not value.is_finite():
        raise Invalid(_("Criterion \"%(name)s\": the value must be a number.", name=criterion.name), field="scores")
    limit = min(Decimal(str(criterion.max_score)), MAX_VALUE)
    if value < 0 or value > limit:
        raise Invalid(_("Criterion \"%(name)s\": the value must be between 0 and %(max)s.", name=criterion.name,
                        max=_fmt(limit)), field="scores")
    if value != value.quantize(Decimal("0.01")):
        raise Invalid(_("Criterion \"%(name)s\": at most two decimal places.", name=criterion.name), field="scores")
    return value.quantize(Decimal("0.01"))


def _fmt(number):
    text = f"{float(number):.2f}".rstrip("0").rstrip(".")
    return text


def save_scores(session, assignment_id, user, scores, comment=None, final=False):
    """Save the juror's sheet: the sheet becomes exactly ``scores`` (a list of {criterion_id, value}),
    ``comment`` and, if ``final``, locked. 409 if final already or the assignment is recused or the round
    closed; 422 for a bad value, an unknown or repeated criterion, or a missing criterion when final."""
    if not isinstance(final, bool):
        raise Invalid(_("Must be true or false."), field="final")
    if comment is not None and not isinstance(comment, str):
        raise Invalid(_("Must be text."), field="comment")
    if comment is not None and len(comment) > MAX_COMMENT:
        raise Invalid(_("At most %(max)s characters.", max=MAX_COMMENT), field="comment")
    if scores is None:
        scores = []
    if not isinstance(scores, list) or not all(isinstance(s, dict) for s in scores):
        raise Invalid(_("Must be a list of {criterion_id, value} objects."), field="scores")
    assignment = _load_assignment(session, assignment_id)
    if assignment.juror_id != getattr(user, "id", None):
        raise Forbidden(_("Only the assigned juror may fill in this score sheet."))
    ensure_open(assignment.round)
    if assignment.status != "active":
        raise Conflict(_("You declared a conflict of interest on this assignment: it cannot be scored."))
    sheet = assignment.sheet
    if sheet is not None and sheet.is_final:
        raise Conflict(_("This score sheet is final. Only the Sekretariat can reopen it."))
    criteria = {c.id: c for c in criteria_of(session, assignment.round_id)}
    values = {}
    for entry in scores:
        cid = entry.get("criterion_id")
        if isinstance(cid, bool) or not isinstance(cid, int) or cid not in criteria:
            raise Invalid(_("Unknown criterion for this round: %(id)s.", id=cid), field="scores")
        if cid in values:
            raise Invalid(_("Criterion \"%(name)s\" is given more than once.", name=criteria[cid].name),
                          field="scores")
        if entry.get("value") is None:
            continue  # left blank (drafts)
        values[cid] = parse_value(entry.get("value"), criteria[cid])
    if final:
        missing = [c.name for c in criteria.values() if c.id not in values]
        if missing:
            raise Invalid(_("Every criterion needs a value before the sheet is final; missing: %(names)s.",
                            names=", ".join(missing)), field="scores")
        if not criteria:
            raise Conflict(_("This round has no criteria yet."))
    if sheet is None:
        sheet = ScoreSheet(assignment_id=assignment.id, is_final=False)
        session.add(sheet)
        session.flush()
    existing = {s.criterion_id: s for s in sheet.scores}
    for cid, row in existing.items():
        if cid not in values:
            session.delete(row)
    for cid, value in values.items():
        if cid in existing:
            existing[cid].value = value
        else:
            session.add(Score(sheet_id=sheet.id, criterion_id=cid, value=value))
    sheet.comment = comment.strip() if isinstance(comment, str) and comment.strip() else None
    sheet.updated_at = utcnow()
    if final:
        sheet.is_final = True
        sheet.submitted_at = utcnow()
    session.flush()
    session.refresh(assignment)
    return assignment


def reopen(session, assignment_id, user, reason):
    """The Sekretariat reopens a final sheet (logged with its reason); the juror can then change it."""
    reason = reason.strip() if isinstance(reason, str) else ""
    if not reason:
        raise Invalid(_("Give the reason for reopening the score sheet."), field="reason")
    if len(reason) > MAX_COMMENT:
        raise Invalid(_("At most %(max)s characters.", max=MAX_COMMENT), field="reason")
    assignment = _load_assignment(session, assignment_id)
    ensure_open(assignment.round)
    sheet = assignment.sheet
    if sheet is None or not sheet.is_final:
        raise Conflict(_("Only a final score sheet can be reopened."))
    sheet.is_final = False
    sheet.submitted_at = None
    session.flush()
    return assignment


def audit_trail(session, assignment):
    """Recusal and reopening records of one assignment (newest first)."""
    sheet_id = assignment.sheet.id if assignment.sheet is not None else None
    clauses = [and_(AuditLog.target_type == "assignment", AuditLog.target_id == assignment.id)]
    if sheet_id is not None:
        clauses.append(and_(AuditLog.target_type == "score_sheet", AuditLog.target_id == sheet_id))
    return session.query(AuditLog).filter(or_(*clauses)).order_by(AuditLog.at.desc(), AuditLog.id.desc()).all()


# -- progress and reminders --------------------------------------------------------------------------------

def _progress_sums():
    active = Assignment.status == "active"
    has_sheet = ScoreSheet.id.isnot(None)
    final = and_(active, ScoreSheet.is_final.is_(True))
    return (func.sum(case((active, 1), else_=0)),
            func.sum(case((and_(active, has_sheet, ScoreSheet.is_final.is_(False)), 1), else_=0)),
            func.sum(case((final, 1), else_=0)),
            func.sum(case((Assignment.status == "recused", 1), else_=0)))


def progress(session, rnd, page=None, page_size=None):
    """Per juror of ``rnd``: assigned (active), drafted (sheet not final), final, not started, recused; the round's
    participants (:func:`took_part_criterion`), those its ranking lists (``ranked``) and those still without a juror.
    With
    ``page_size``: one page of jurors (by user name), ``juror_count`` and the round's totals over every juror
    (one aggregate query more)."""
    statement = (
        select(User.id, User.username, User.first_name, User.last_name, User.email, *_progress_sums())
        .select_from(Assignment)
        .join(User, User.id == Assignment.juror_id)
        .outerjoin(ScoreSheet, ScoreSheet.assignment_id == Assignment.id)
        .where(Assignment.round_id == rnd.id)
        .group_by(User.id, User.username, User.first_name, User.last_name, User.email)
        .order_by(User.username, User.id)
    )
    if page_size is not None:
        statement = statement.limit(page_size).offset((page or 0) * page_size)
    rows = session.execute(statement).all()
    jurors = []
    totals = {"assigned": 0, "drafted": 0, "final": 0, "not_started": 0, "recused": 0}
    for uid, username, first, last, _email, assigned, drafted, done, recused in rows:
        assigned, drafted, done, recused = int(assigned or 0), int(drafted or 0), int(done or 0), int(recused or 0)
        item = {"juror_id": uid, "username": username, "name": f"{first or ''} {last or ''}".strip() or username,
                "assigned": assigned, "drafted": drafted, "final": done, "not_started": assigned - drafted - done,
                "recused": recused, "late": done < assigned}
        for key in totals:
            totals[key] += item[key]
        jurors.append(item)
    participants = session.execute(select(func.count()).select_from(Innovation)
                                   .where(took_part_criterion(session, rnd))).scalar()
    unassigned = session.execute(
        select(func.count()).select_from(Innovation).where(
            participant_criterion(session, rnd),
            ~select(Assignment.id).where(Assignment.round_id == rnd.id, Assignment.innovation_id == Innovation.id,
                                         Assignment.status == "active").exists())).scalar()
    from app.services import ranking

    result = {"round_id": rnd.id, "round": rnd.name, "closed": rnd.closed_at is not None,
              "participants": int(participants), "ranked": ranking.round_ranking_count(session, rnd),
              "unassigned": int(unassigned), "totals": totals, "jurors": jurors}
    if page_size is not None:
        count, assigned, drafted, done, recused = session.execute(
            select(func.count(func.distinct(Assignment.juror_id)), *_progress_sums())
            .select_from(Assignment).outerjoin(ScoreSheet, ScoreSheet.assignment_id == Assignment.id)
            .where(Assignment.round_id == rnd.id)).one()
        assigned, drafted, done, recused = int(assigned or 0), int(drafted or 0), int(done or 0), int(recused or 0)
        result["totals"] = {"assigned": assigned, "drafted": drafted, "final": done,
                            "not_started": assigned - drafted - done, "recused": recused}
        result.update(juror_count=int(count), page=page or 0, page_size=page_size)
    return result


class _MailContext:
    """The bit of a transition context the outbox needs: the session, and after-commit callbacks queued on
    it (the enclosing command runs them once it has committed, and drops them on rollback)."""

    def __init__(self, session):
        self.session = session

    def after_commit(self, callback):
        pending_after_commit(self.session).append(("judging.remind", callback))


def remind_late_jurors(session, rnd, user, juror_ids=None):
    """Remind every juror of ``rnd`` with unfinished sheets (or only ``juror_ids``): always recorded in the
    audit log (one ``juror_reminded`` row per juror: the progress page shows the last one); mailed through
    the outbox when MAIL_SERVER is set and the juror has an address (after the command's commit)."""
    from app.services import notifications
    from workflows import outbox

    if juror_ids is not None and (not isinstance(juror_ids, list)
                                  or not all(isinstance(j, int) and not isinstance(j, bool) for j in juror_ids)):
        raise Invalid(_("Must be a list of user ids."), field="juror_ids")
    ensure_open(rnd)
    late = [j for j in progress(session, rnd)["jurors"] if j["late"]]
    if juror_ids is not None:
        late = [j for j in late if j["juror_id"] in set(juror_ids)]
    ctx = _MailContext(session)
    mail = notifications.enabled()
    base_url = current_app.config.get("SIKIPP_BASE_URL", "")
    reminded = []
    for j in late:
        pending = j["assigned"] - j["final"]
        juror = session.get(User, j["juror_id"])
        address = juror.email if juror is not None and juror.email and not juror.email.endswith(".invalid") else None
        mailed = bool(mail and address)
        if mailed:
            body = (f"Yth. {j['name']},\n\n"
                    f"Masih ada {pending} lembar penilaian yang belum final pada tahap \"{rnd.name}\".\n"
                    f"Silakan lengkapi di: {base_url}/scoresheets/\n\nTerima kasih.\nSekretariat SIKIPP\n")
            outbox.enqueue(ctx, "mail", {"to": [address], "subject": f"[SIKIPP] Pengingat penilaian: {rnd.name}",
                                         "body": body})
        notifications.notify(session, [j["juror_id"]], f"Pengingat penilaian: {rnd.name}",
                             f"Masih ada {pending} lembar penilaian yang belum final pada tahap \"{rnd.name}\".",
                             "/")
        audit.record(session, user, "juror_reminded", "round", rnd.id, detail=f"{j['username']}: {pending}",
               data={"juror_id": j["juror_id"], "pending": pending, "mailed": mailed})
        reminded.append({"juror_id": j["juror_id"], "username": j["username"], "pending": pending, "mailed": mailed})
    session.flush()
    return reminded


def last_reminders(session, rnd):
    """{juror_id: time of the last reminder} for the round."""
    rows = session.query(AuditLog).filter(AuditLog.action == "juror_reminded", AuditLog.target_type == "round",
                                          AuditLog.target_id == rnd.id).order_by(AuditLog.at).all()
    return {(r.data or {}).get("juror_id"): r.at for r in rows}


# -- closing a round -----------------------------------------------------------------------------------------

def unscored_participants(session, rnd):
    """Participants of ``rnd`` whose `score` guard fails: no active assignment, or one not final."""
    active = (select(func.count()).select_from(Assignment)
              .where(Assignment.round_id == rnd.id, Assignment.innovation_id == Innovation.id,
                     Assignment.status == "active").scalar_subquery())
    final = (select(func.count()).select_from(Assignment)
             .join(ScoreSheet, ScoreSheet.assignment_id == Assignment.id)
             .where(Assignment.round_id == rnd.id, Assignment.innovation_id == Innovation.id,
                    Assignment.status == "active", ScoreSheet.is_final.is_(True)).scalar_subquery())
    return session.execute(
        select(Innovation.id, Innovation.title, active.label("active"), final.label("final"))
        .where(participant_criterion(session, rnd), or_(active == 0, final < active))
        .order_by(Innovation.id)).all()


def close_round(session, rnd):
    """Advance and close ``rnd`` (the first half of closing; app.commands.judging.CloseRound then fires
    `score` on the others in the same transaction): per group × category the top ``shortlist_size``
    participants (or the category's quota) scoring at least the round's ``pass_mark`` advance to the next round
    (:func:`app.services.balancing.shortlist`); closing the last round advances nobody.
    Needs every participant fully scored (a round without participants simply closes). Returns {"next_round", "advanced", "remaining"} (ids, sorted)."""
    from app.services import ranking

    _lock(session, Round, rnd.id)
    session.refresh(rnd)
    ensure_open(rnd)
    nxt = next_round(session, rnd)
    participants = set(session.execute(select(Innovation.id).where(participant_criterion(session, rnd))).scalars())
    # A round without participants simply closes (DESIGN §3): nobody advances, nobody is scored.
    problems = unscored_participants(session, rnd) if participants else []
    if problems:
        sample = "; ".join(f"#{p.id} {p.title} ({p.final}/{p.active})" for p in problems[:10])
        raise Conflict(_("%(count)s innovations are not fully scored yet (final/active sheets): %(list)s.",
                         count=len(problems), list=sample))
    advanced = []
    if nxt is not None:
        rows = [row for row in ranking.round_ranking(session, rnd) if row["innovation_id"] in participants]
        advanced = balancing.shortlist(rows, rnd.shortlist_size, rnd.pass_mark, rnd.category_quotas)
        if advanced:
            session.execute(update(Innovation).where(Innovation.id.in_(advanced))
                            .values(current_round_id=nxt.id).execution_options(synchronize_session=False))
    rnd.closed_at = utcnow()
    session.flush()
    return {"next_round": nxt, "advanced": sorted(advanced), "remaining": sorted(participants - set(advanced))}


def round_overview(session, competition_id=None):
    """Rounds (newest competitions first) with their progress totals, for the Sekretariat's judging page."""
    query = session.query(Round).join(Round.competition)
    if competition_id is not None:
        query = query.filter(Round.competition_id == competition_id)
    from app.models import Competition

    rounds = query.order_by(Competition.year.desc(), Competition.id.desc(), Round.sequence).all()
    counts = dict(session.execute(
        select(Assignment.round_id, func.count()).where(Assignment.status == "active")
        .group_by(Assignment.round_id)).all())
    finals = dict(session.execute(
        select(Assignment.round_id, func.count()).join(ScoreSheet, ScoreSheet.assignment_id == Assignment.id)
        .where(Assignment.status == "active", ScoreSheet.is_final.is_(True)).group_by(Assignment.round_id)).all())
    return [{"round": r, "assigned": int(counts.get(r.id, 0)), "final": int(finals.get(r.id, 0))} for r in rounds]
