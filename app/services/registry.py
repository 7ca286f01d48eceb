"""The registry across years (issue 12 items 5-7, DESIGN §11): lineages and carry-overs, awards (here and outside),
the eligibility rule on past awards, replication, and the yearly sustainability status of awarded innovations.

Lineage: every innovation has a ``lineage_id``; a new innovation starts its own (a fresh random key,
``app.models.innovation.new_lineage_id``), a carry-over copies its source's. Everything the registry says about
"an innovation's history" is read along that key: the competitions it entered, the awards given here (always
level ``kabupaten``: SIKIPP runs the regency's competition), the external awards entered for any of its entries.

Rules written once here, applied by the commands (app/commands/registry.py) and the ``submit`` guard
(app/lifecycles.py), so every door (API, screens, bulk actions) says the same thing. Plain functions: no request,
no commit."""
import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from app.models import Award, Competition, Innovation, Unit, User
from app.models.base import utcnow
from app.models.registry import (
    AWARD_LEVELS,
    ELIGIBILITY_LEVELS,
    SUSTAINABILITY_STATUSES,
    ExternalAward,
    Replication,
    Sustainability,
)
from app.models.states import InnovationState
from app.services import access
from app.services.competitions import format_local, local_zone
from app.services.errors import Conflict, Forbidden, Invalid, NotFound

LEVEL_LABELS = {"kabupaten": _l("Regency (kabupaten)"), "provinsi": _l("Province (provinsi)"),
                "nasional": _l("National (nasional)"), "internasional": _l("International (internasional)")}
STATUS_LABELS = {"aktif": _l("Active (aktif)"), "berkembang": _l("Growing (berkembang)"),
                 "berhenti": _l("Stopped (berhenti)")}
# Awards given here (by this regency's competition) count as this level (DESIGN §11).
HOME_LEVEL = "kabupaten"
AWARDED = InnovationState.AWARDED.value
# A carry-over copies the proposal (never the state, scores, awards, attachments): these columns, and those of
# other features when the model has them (group, category, team: added by other parts of issue 12).
CARRIED_FIELDS = ("title", "summary", "background", "novelty", "implementation", "significance", "adaptability",
                  "resources", "sustainability", "started_on", "video_url", "sdg_goals", "replicates_id",
                  "replicates_text")
CARRIED_IF_PRESENT = ("group", "category", "team")
# Entries that do not block a lineage from entering a competition again (it left that competition).
GONE_STATES = (InnovationState.WITHDRAWN.value,)


def level_rank(level):
    return AWARD_LEVELS.index(level) if level in AWARD_LEVELS else -1


def level_label(level):
    return str(LEVEL_LABELS.get(level, level))


def this_year():
    return datetime.datetime.now(local_zone()).year


# -- ownership ---------------------------------------------------------------------------------------------


def child_criterion(user, model):
    """Rows of ``model`` (hanging off an innovation) the user may read: those of innovations the user may see."""
    return model.innovation_id.in_(select(Innovation.id).where(access.innovation_criterion(user)))


def ensure_may_record(user, innovation):
    """External awards, replications and sustainability statuses: the Sekretariat (and Admin) for any innovation,
    an OPD user for its own unit's only."""
    if access.is_privileged(user):
        return
    roles = access.role_names(user)
    if "OPD" in roles and access.owns_innovation(user, innovation):
        return
    raise Forbidden(_("Only the proposing unit or the Sekretariat may record this for the innovation."))


def visible_innovation(session, user, innovation_id, field="innovation_id"):
    """The innovation ``innovation_id`` if ``user`` may see it (422 naming the field otherwise: never reveals
    whether another unit's row exists)."""
    row = session.execute(select(Innovation).where(Innovation.id == innovation_id,
                                                   access.innovation_criterion(user))).scalar_one_or_none()
    if row is None:
        raise Invalid(_("Unknown innovation."), field=field)
    return row


# -- lineage and history -----------------------------------------------------------------------------------


def lineage_entries(session, lineage_id):
    """The innovations of a lineage with their competitions, oldest competition first."""
    return (session.query(Innovation).join(Competition, Competition.id == Innovation.competition_id)
            .filter(Innovation.lineage_id == lineage_id)
            .order_by(Competition.year, Competition.id, Innovation.id).all())


def lineage_awards(session, lineage_id):
    """Every award of a lineage as ``{"level", "year", "title", "source", "innovation_id"}``: the awards given here
    (not voided; level ``kabupaten``, the year of their competition) and the external awards."""
    ids = select(Innovation.id).where(Innovation.lineage_id == lineage_id)
    result = []
    here = session.execute(
        select(Award.title, Award.innovation_id, Competition.year, Competition.name)
        .join(Innovation, Innovation.id == Award.innovation_id)
        .join(Competition, Competition.id == Innovation.competition_id)
        .where(Award.innovation_id.in_(ids), Award.voided_at.is_(None))).all()
    for title, innovation_id, year, competition in here:
        result.append({"level": HOME_LEVEL, "year": year, "title": f"{title} — {competition}", "source": "here",
                       "innovation_id": innovation_id})
    for ext in session.execute(select(ExternalAward).where(ExternalAward.innovation_id.in_(ids))).scalars():
        result.append({"level": ext.level, "year": ext.year, "title": ext.title, "source": "external",
                       "innovation_id": ext.innovation_id, "id": ext.id, "evidence": ext.evidence})
    result.sort(key=lambda a: (a["year"], level_rank(a["level"])))
    return result


def may_read_history(user, innovation):
    """The lineage's history is the Sekretariat's (and Admin's) and the proposing unit's: not a juror's (other
    years' entries and awards would tell a blind juror whose innovation it is), nor another unit's."""
    return access.is_privileged(user) or ("OPD" in access.role_names(user)
                                          and access.owns_innovation(user, innovation))


def history(session, innovation):
    """What the registry knows of an innovation's lineage (for the Sekretariat and the unit): its entries in
    every competition (state, award here), its external awards, replications and sustainability statuses."""
    entries = lineage_entries(session, innovation.lineage_id)
    ids = [e.id for e in entries]
    awards = {a.innovation_id: a for a in session.execute(
        select(Award).where(Award.innovation_id.in_(ids), Award.voided_at.is_(None))).scalars()} if ids else {}
    return {
        "lineage_id": innovation.lineage_id,
        "entries": [{"innovation_id": e.id, "title": e.title, "competition_id": e.competition_id,
                     "competition": e.competition.name, "year": e.competition.year, "state": e.state,
                     "award": awards[e.id].title if e.id in awards else None} for e in entries],
        "awards": lineage_awards(session, innovation.lineage_id),
        "replications": [{"id": r.id, "innovation_id": r.innovation_id, "replicator": r.replicator,
                          "replicated_on": r.replicated_on.isoformat(), "evidence": r.evidence}
                         for r in session.execute(select(Replication).where(Replication.innovation_id.in_(ids))
                                                  .order_by(Replication.replicated_on)).scalars()] if ids else [],
        "sustainability": [{"id": s.id, "innovation_id": s.innovation_id, "year": s.year, "status": s.status,
                            "notes": s.notes, "evidence": s.evidence}
                           for s in session.execute(select(Sustainability).where(Sustainability.innovation_id.in_(ids))
                                                    .order_by(Sustainability.year)).scalars()] if ids else [],
    }


# -- eligibility (the submit guard) --------------------------------------------------------------------------


def eligibility_problem(session, innovation):
    """The competition's rule on past awards (DESIGN §11): with ``eligibility_max_award_level`` set, an innovation
    whose lineage holds an award at or above that level cannot be submitted. A message naming the award, or None."""
    competition = innovation.competition or session.get(Competition, innovation.competition_id)
    limit = getattr(competition, "eligibility_max_award_level", None)
    if not limit:
        return None
    blocking = [a for a in lineage_awards(session, innovation.lineage_id)
                if a["innovation_id"] != innovation.id or a["source"] == "external"]
    blocking = [a for a in blocking if level_rank(a["level"]) >= level_rank(limit)]
    if not blocking:
        return None
    award = max(blocking, key=lambda a: (level_rank(a["level"]), a["year"]))
    return _("Not eligible for this competition: the innovation already received an award at %(level)s level "
             "(%(title)s, %(year)s); this competition accepts only innovations without an award at %(limit)s level "
             "or above.", level=level_label(award["level"]), title=award["title"], year=award["year"],
             limit=level_label(limit))


def check_eligibility_level(value, field="eligibility_max_award_level"):
    if value in (None, ""):
        return None
    if value not in ELIGIBILITY_LEVELS:
        raise Invalid(_("Choose kabupaten, provinsi, nasional or none."), field=field)
    return value


# -- carry-over ----------------------------------------------------------------------------------------------


def carry_over_problem(session, source, competition, now=None):
    """Why ``source`` cannot be carried into ``competition`` now (a Conflict), or None."""
    now = now or utcnow()
    if now > competition.submission_deadline:
        raise Conflict(_("Competition \"%(name)s\" is closed for submission (deadline %(deadline)s).",
                         name=competition.name, deadline=format_local(competition.submission_deadline)))
    taken = session.execute(
        select(Innovation.id).where(Innovation.lineage_id == source.lineage_id,
                                    Innovation.competition_id == competition.id,
                                    Innovation.state.notin_(GONE_STATES))).first()
    if taken is not None:
        raise Conflict(_("This innovation already has an entry in \"%(name)s\" (proposal #%(id)s).",
                         name=competition.name, id=taken[0]))


def ensure_may_carry(user, source):
    """OPD carries its own unit's innovations; the Sekretariat (and Admin) any."""
    if access.is_privileged(user):
        return
    if "OPD" in access.role_names(user) and access.owns_innovation(user, source):
        return
    raise Forbidden(_("Only the proposing unit or the Sekretariat may carry this innovation into a new competition."))


def carried_copy(source, competition, user):
    """A new draft of the same unit and lineage in ``competition``, with the proposal fields of ``source``."""
    copy = Innovation(competition_id=competition.id, unit_id=source.unit_id, lineage_id=source.lineage_id,
                      state=InnovationState.DRAFT.value, version=1, created_by_id=getattr(user, "id", None))
    for name in CARRIED_FIELDS + tuple(n for n in CARRIED_IF_PRESENT if hasattr(Innovation, n)):
        value = getattr(source, name)
        setattr(copy, name, list(value) if isinstance(value, list) else value)
    if hasattr(Innovation, "group"):
        # The new competition may have other groups and categories: keep what fits, else its defaults.
        from app.services import groups

        problems = groups.innovation_problems(competition, copy.group, copy.category)
        if "group" in problems:
            copy.group = None
        if "category" in problems:
            copy.category = None
        groups.normalize_innovation(competition, copy)
    return copy


def open_competitions(session, now=None):
    """Competitions still open for submission (for the carry-over form), newest first."""
    now = now or utcnow()
    return (session.query(Competition).filter(Competition.submission_deadline >= now)
            .order_by(Competition.year.desc(), Competition.id.desc()).all())


# -- replication -------------------------------------------------------------------------------------------


def replicates_problems(session, innovation):
    """{field: message} for the replication fields of a proposal: one original at most (an innovation here or
    another Pemda's), never itself nor its own lineage."""
    problems = {}
    text = (innovation.replicates_text or "").strip() or None
    innovation.replicates_text = text
    if innovation.replicates_id is not None and text:
        problems["replicates_text"] = _("Name the original either as an innovation here or as another region's "
                                        "innovation, not both.")
    if innovation.replicates_id is not None:
        original = session.get(Innovation, innovation.replicates_id)
        if original is None:
            problems["replicates_id"] = _("Unknown innovation.")
        elif original.id == innovation.id or (innovation.lineage_id and original.lineage_id == innovation.lineage_id):
            problems["replicates_id"] = _("An innovation cannot replicate itself.")
    return problems


def replication_counts(session, innovation_ids):
    if not innovation_ids:
        return {}
    return dict(session.execute(select(Replication.innovation_id, func.count()).where(
        Replication.innovation_id.in_(innovation_ids)).group_by(Replication.innovation_id)).all())


# -- sustainability ----------------------------------------------------------------------------------------


def check_sustainability(session, innovation, year, status, exclude_id=None):
    """An awarded innovation, a known status, one status per innovation and year."""
    if innovation.state != AWARDED:
        raise Conflict(_("A sustainability status is recorded only for awarded innovations."))
    if status not in SUSTAINABILITY_STATUSES:
        raise Invalid(_("Choose aktif, berkembang or berhenti."), field="status")
    query = select(Sustainability.id).where(Sustainability.innovation_id == innovation.id,
                                            Sustainability.year == year)
    if exclude_id is not None:
        query = query.where(Sustainability.id != exclude_id)
    if session.execute(query).first() is not None:
        raise Conflict(_("This innovation already has a sustainability status for %(year)s.", year=year))


def missing_statuses(session, year=None, unit_id=None):
    """The awarded innovations (of ``unit_id`` when given) whose lineage has no sustainability status for ``year``
    (this year): monitoring starts the year after an award (IID IND-18), so only awards of earlier years'
    competitions count; one row per lineage (its latest awarded entry), whichever entry the status was recorded on."""
    year = year or this_year()
    other = aliased(Innovation)
    has = (select(Sustainability.id).join(other, other.id == Sustainability.innovation_id)
           .where(other.lineage_id == Innovation.lineage_id, Sustainability.year == year).exists())
    query = (session.query(Innovation).join(Competition, Competition.id == Innovation.competition_id)
             .filter(Innovation.state == AWARDED, Competition.year < year, ~has))
    if unit_id is not None:
        query = query.filter(Innovation.unit_id == unit_id)
    latest = {}
    for innovation in query.order_by(Competition.year, Innovation.id).all():
        latest[innovation.lineage_id] = innovation  # the later competition's entry wins
    return sorted(latest.values(), key=lambda i: (i.unit_id, i.id))


def status_counts(session, year=None):
    """How many awarded innovations reported each status for ``year`` (this year), and how many did not."""
    year = year or this_year()
    counts = dict(session.execute(select(Sustainability.status, func.count()).where(Sustainability.year == year)
                                  .group_by(Sustainability.status)).all())
    figures = [(str(STATUS_LABELS[s]), int(counts.get(s, 0))) for s in SUSTAINABILITY_STATUSES]
    figures.append((_("Not reported"), len(missing_statuses(session, year))))
    return {"year": year, "counts": figures}


def latest_statuses(session, innovation_ids):
    """{innovation id: (year, status)}: the latest status recorded on any entry of each innovation's lineage."""
    if not innovation_ids:
        return {}
    lineages = dict(session.execute(select(Innovation.id, Innovation.lineage_id)
                                    .where(Innovation.id.in_(innovation_ids))).all())
    best = {}
    rows = session.execute(select(Innovation.lineage_id, Sustainability.year, Sustainability.status)
                           .join(Innovation, Innovation.id == Sustainability.innovation_id)
                           .where(Innovation.lineage_id.in_(set(lineages.values())))
                           .order_by(Sustainability.year, Sustainability.id)).all()
    for lineage, year, status in rows:
        best[lineage] = (year, status)  # ordered by year: the latest wins
    return {pk: best[lin] for pk, lin in lineages.items() if lin in best}


def reminder_recipients(session, unit_id):
    return [u.id for u in session.query(User).filter(User.unit_id == unit_id, User.active.is_(True))]


def unit_contact(unit):
    """The office contact of a unit (never a person's data)."""
    if unit is None:
        return None
    contact = {"address": unit.office_address, "phone": unit.office_phone, "email": unit.office_email}
    return contact if any(contact.values()) else None


def units_by_id(session, ids):
    return {u.id: u for u in session.query(Unit).filter(Unit.id.in_(ids))} if ids else {}


def not_found():
    return NotFound(_("Not found"))
