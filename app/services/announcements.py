"""Announcement of a closed round's provisional results and the objection window (masa sanggah, DESIGN §10).

- :func:`announce` publishes a closed round once (a second announcement is refused: 409, the window it opened
  is a public promise that must not move). What is published is recorded (``announcement_entry``): the round's
  ranking (app.services.ranking), the top ``shortlist_size`` per category when the round has one, else all.
- The window: :func:`objection_until` = the announcement time plus the competition's ``objection_days``, at
  23:59:59 local time (``SIKIPP_TIMEZONE``), stored in UTC; with 0 days it is the announcement time itself
  (no window). An objection is on time while the current time, to the second, is not later than
  ``objection_until`` (:func:`window_open`): 23:59:59 local on the last day is accepted, 00:00:00 the next day
  is refused.
- :func:`create_objection` checks an objection (window first: 409; then the fields and "is this innovation in
  the announced results": 422) and records it ``open``. Its answer comes with the objection lifecycle
  (app.lifecycles: ``uphold`` / ``dismiss``, comment = the published answer).
- :func:`public_announcements` is what ``/pengumuman/`` shows: never a juror's score, never an email address.
- :func:`objection_blockers` says why a decree may not be drafted yet for a competition whose results were
  announced (window still open, objections unanswered).

Services never commit.
"""
from __future__ import annotations

import datetime
import re
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import func, select

from app.models import Announcement, AnnouncementEntry, Competition, Innovation, Objection, Round, Unit
from app.models.states import InnovationState, ObjectionState
from app.services import balancing, groups, ranking, text_rules
from app.services.errors import Conflict, Invalid, NotFound

NAME_MAX, EMAIL_MAX, TEXT_MIN, TEXT_MAX = 100, 254, 10, 5000
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Innovations no longer in a round's published results (disqualified, rejected or withdrawn).
REMOVED_STATES = (InnovationState.REJECTED.value, InnovationState.WITHDRAWN.value)


def _zone(timezone):
    return ZoneInfo(timezone or "Asia/Jakarta")


def now_seconds(now=None):
    """The current UTC time (naive), to the second: the unit the window is judged in."""
    now = now or datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
    return now.replace(microsecond=0)


def objection_until(announced_at, days, timezone="Asia/Jakarta"):
    """The last second of the objection window (naive UTC) for an announcement at ``announced_at`` (naive UTC):
    the local date of the announcement plus ``days`` days, at 23:59:59 local time; 0 days = ``announced_at``."""
    if not days:
        return announced_at
    zone = _zone(timezone)
    local = announced_at.replace(tzinfo=datetime.timezone.utc).astimezone(zone)
    last_day = local.date() + datetime.timedelta(days=int(days))
    end = datetime.datetime.combine(last_day, datetime.time(23, 59, 59), tzinfo=zone)
    return end.astimezone(datetime.timezone.utc).replace(tzinfo=None)


def has_window(announcement):
    return announcement.objection_until > announcement.announced_at


def window_open(announcement, now=None):
    """True while objections are accepted (judged to the second; never with 0 days)."""
    return has_window(announcement) and now_seconds(now) <= announcement.objection_until


def iso_utc(value):
    """``2026-12-06T16:59:59Z``: a stored UTC time in ISO 8601."""
    return value.replace(microsecond=0).isoformat() + "Z" if value is not None else None


# -- announcing ----------------------------------------------------------------------------------------------


def _group_order(group):
    return groups.GROUPS.index(group) if group in groups.GROUPS else len(groups.GROUPS)


def announced_rows(session, rnd):
    """The round's ranking as it is published: per group × category, the shortlist (the top ``shortlist_size``
    at or above ``pass_mark``, category quotas applied) when the round limits it, else all."""
    rows = ranking.round_ranking(session, rnd)
    if rnd.shortlist_size or rnd.pass_mark is not None or rnd.category_quotas:
        # the shortlist rule of closing (pass mark, size, category quotas: app.services.balancing.shortlist)
        listed = set(balancing.shortlist(rows, rnd.shortlist_size, rnd.pass_mark, rnd.category_quotas))
        rows = [r for r in rows if r["innovation_id"] in listed]
    return rows


def announce(session, rnd, user, timezone, now=None):
    """Publish the results of closed round ``rnd``; returns the new announcement. 409 while the round is open
    and when it was announced before."""
    if rnd.closed_at is None:
        raise Conflict(_("Only a closed round's results can be announced: close the round first."))
    existing = session.execute(select(Announcement.id).where(Announcement.round_id == rnd.id)).scalar()
    if existing is not None:
        raise Conflict(_("The results of this round were already announced (announcement #%(id)s); an "
                         "announcement is published once.", id=existing))
    competition = session.get(Competition, rnd.competition_id)
    at = now_seconds(now)
    announcement = Announcement(competition_id=rnd.competition_id, round_id=rnd.id, announced_at=at,
                                objection_until=objection_until(at, competition.objection_days, timezone),
                                announced_by_id=getattr(user, "id", None))
    announcement.entries = [AnnouncementEntry(innovation_id=r["innovation_id"], category=r["category"],
                                              group=r["group"], rank=r["rank"]) for r in announced_rows(session, rnd)]
    session.add(announcement)
    session.flush()
    return announcement


def announcement_summary(announcement):
    return {"id": announcement.id, "round_id": announcement.round_id, "competition_id": announcement.competition_id,
            "announced_at": iso_utc(announcement.announced_at),
            "objection_until": iso_utc(announcement.objection_until),
            "innovations": len(announcement.entries)}


# -- objections --------------------------------------------------------------------------------------------------


def _text_field(body, name, low, high, label):
    value = body.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        raise Invalid(_("%(field)s is required.", field=label), field=name)
    if not isinstance(value, str):
        raise Invalid(_("%(field)s must be text.", field=label), field=name)
    value = value.strip()
    if _CONTROL.search(value):
        raise Invalid(_("%(field)s contains characters that are not allowed.", field=label), field=name)
    if len(value) < low:
        raise Invalid(_("%(field)s must have at least %(n)s characters.", field=label, n=low), field=name)
    if len(value) > high:
        raise Invalid(_("%(field)s may have at most %(n)s characters.", field=label, n=high), field=name)
    return value


def _id_field(body, name, label):
    value = body.get(name)
    if isinstance(value, str) and text_rules.is_digits(value.strip()):  # a form sends text
        value = int(value.strip())
    if not isinstance(value, int) or isinstance(value, bool) or not 0 < value < 2**31:
        raise Invalid(_("%(field)s must be the number of an announced item.", field=label), field=name)
    return value


def valid_email(address):
    """The address's syntax (email-validator, RFC 5322/6531; no DNS look-up: the address is only read by the
    Sekretariat)."""
    from email_validator import EmailNotValidError, validate_email

    try:
        validate_email(address, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


def announcement_of_round(session, round_id):
    return session.execute(select(Announcement).where(Announcement.round_id == round_id)).scalar_one_or_none()


def published_entry(session, announcement, innovation_id):
    """The announced entry of ``innovation_id`` while it is still in the published results, else None."""
    return session.execute(
        select(AnnouncementEntry).join(Innovation, Innovation.id == AnnouncementEntry.innovation_id)
        .where(AnnouncementEntry.announcement_id == announcement.id, AnnouncementEntry.innovation_id == innovation_id,
               Innovation.state.notin_(REMOVED_STATES))
    ).scalar_one_or_none()


def create_objection(session, body, now=None):
    """Check and record an objection (state ``open``). The order of the checks is the contract's: the round must
    have been announced (422 ``round_id``), the window open (409, before anything else about the objection),
    then the fields and the innovation (422 naming the field)."""
    if not isinstance(body, dict):
        raise Invalid(_("The request body must be a JSON object"))
    round_id = _id_field(body, "round_id", _("Round"))
    announcement = announcement_of_round(session, round_id)
    if announcement is None:
        raise Invalid(_("The results of this round have not been announced."), field="round_id")
    if not has_window(announcement):
        raise Conflict(_("These results have no objection period."))
    if not window_open(announcement, now):
        raise Conflict(_("The objection period for these results has ended (it ran until %(until)s).",
                         until=format_local_time(announcement.objection_until)))
    innovation_id = _id_field(body, "innovation_id", _("Innovation"))
    name = _text_field(body, "name", 1, NAME_MAX, _("Name"))
    email = _text_field(body, "email", 3, EMAIL_MAX, _("Email"))
    if not valid_email(email):
        raise Invalid(_("Email is not a valid e-mail address."), field="email")
    text = _text_field(body, "text", TEXT_MIN, TEXT_MAX, _("Objection"))
    if published_entry(session, announcement, innovation_id) is None:
        raise Invalid(_("This innovation is not in the announced results of this round."), field="innovation_id")
    objection = Objection(announcement_id=announcement.id, innovation_id=innovation_id, name=name, email=email,
                          text=text, state=ObjectionState.OPEN.value, version=1)
    session.add(objection)
    session.flush()
    return objection


def record_answer(objection, user, answer, now=None):
    """Effect of ``uphold`` / ``dismiss``: the comment is the published answer."""
    objection.answer = answer
    objection.answered_at = now_seconds(now)
    objection.answered_by_id = getattr(user, "id", None)


def removal_trigger(state):
    """Which innovation trigger removes an innovation in ``state`` from the results when an objection against it
    is upheld: ``disqualify`` (scored, awarded), ``reject`` (verified: a shortlisted innovation still in the
    next round), None when it is out already (rejected, withdrawn)."""
    if state in (InnovationState.SCORED.value, InnovationState.AWARDED.value):
        return "disqualify"
    if state in (InnovationState.VERIFIED.value, InnovationState.SUBMITTED.value):
        return "reject"
    return None


def removal_reason(objection, answer):
    return _("Objection #%(id)s upheld: %(answer)s", id=objection.id, answer=answer)


# -- decree readiness -------------------------------------------------------------------------------------------


def objection_blockers(session, competition_id, now=None) -> list[str]:
    """Why a decree may not be drafted yet for the competition, as far as announcements go (DESIGN §3, §10): an
    objection window still running, objections not yet answered. Empty when nothing was announced."""
    problems = []
    now = now_seconds(now)
    for announcement, round_name in session.execute(
            select(Announcement, Round.name).join(Round, Round.id == Announcement.round_id)
            .where(Announcement.competition_id == competition_id).order_by(Announcement.id)):
        if window_open(announcement, now):
            problems.append(_("The objection period of the announced results of \"%(round)s\" runs until %(until)s.",
                              round=round_name, until=format_local_time(announcement.objection_until)))
        open_count = session.execute(
            select(func.count(Objection.id)).where(Objection.announcement_id == announcement.id,
                                                   Objection.state == ObjectionState.OPEN.value)).scalar()
        if open_count:
            problems.append(_("%(n)s objection(s) to the results of \"%(round)s\" are not answered yet.",
                              n=open_count, round=round_name))
    return problems


# -- what the public sees -----------------------------------------------------------------------------------------


def format_local_time(value, timezone=None):
    """``6 Desember 2026 pukul 23.59.59 WIB``: a stored UTC time (naive, or ISO 8601 text as :func:`iso_utc`
    writes it) in the regency's zone."""
    from flask import current_app

    from app.services.documents.indonesian import MONTHS

    if value is None:
        return "-"
    if isinstance(value, str):
        value = datetime.datetime.fromisoformat(value.removesuffix("Z"))

    timezone = timezone or current_app.config.get("SIKIPP_TIMEZONE", "Asia/Jakarta")
    local = value.replace(tzinfo=datetime.timezone.utc).astimezone(_zone(timezone))
    zone_name = {"Asia/Jakarta": "WIB", "Asia/Pontianak": "WIB", "Asia/Makassar": "WITA",
                 "Asia/Jayapura": "WIT"}.get(timezone, local.strftime("%Z"))
    return (f"{local.day} {MONTHS[local.month - 1]} {local.year} pukul "
            f"{local.hour:02d}.{local.minute:02d}.{local.second:02d} {zone_name}")


PAGE_SIZE = 10


def public_announcements(session, page=1, now=None):
    """Announcements, newest first, PAGE_SIZE per page: round, competition, window, the ranked innovations
    still in the results (title, unit, category, rank) and the answered objections (innovation, text, decision,
    answer, date). Never scores, jurors, objectors' names or e-mail addresses."""
    from app.models.unit import UNIT_KIND_LABELS

    total = session.execute(select(func.count(Announcement.id))).scalar() or 0
    rows = session.execute(
        select(Announcement, Round, Competition).join(Round, Round.id == Announcement.round_id)
        .join(Competition, Competition.id == Announcement.competition_id)
        .order_by(Announcement.announced_at.desc(), Announcement.id.desc())
        .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    ids = [a.id for a, _r, _c in rows]
    entries, answers, pending = {}, {}, {}
    if ids:
        for entry, title, unit, state in session.execute(
                select(AnnouncementEntry, Innovation.title, Unit.name, Innovation.state)
                .join(Innovation, Innovation.id == AnnouncementEntry.innovation_id)
                .join(Unit, Unit.id == Innovation.unit_id)
                .where(AnnouncementEntry.announcement_id.in_(ids))
                .order_by(AnnouncementEntry.id)):
            if state in REMOVED_STATES:
                continue
            entries.setdefault(entry.announcement_id, []).append({
                "innovation_id": entry.innovation_id, "title": title, "unit": unit, "category": entry.category,
                "category_label": UNIT_KIND_LABELS.get(entry.category, entry.category), "rank": entry.rank,
                "group": entry.group, "group_label": groups.group_label(entry.group)})
        for objection, title in session.execute(
                select(Objection, Innovation.title).join(Innovation, Innovation.id == Objection.innovation_id)
                .where(Objection.announcement_id.in_(ids)).order_by(Objection.id)):
            if objection.state == ObjectionState.OPEN.value:
                pending[objection.announcement_id] = pending.get(objection.announcement_id, 0) + 1
                continue
            answers.setdefault(objection.announcement_id, []).append({
                "id": objection.id, "innovation_id": objection.innovation_id, "innovation": title,
                "state": objection.state, "text": objection.text, "answer": objection.answer,
                "received_at": iso_utc(objection.created_on), "answered_at": iso_utc(objection.answered_at)})
    result = []
    for announcement, rnd, competition in rows:
        ranked = sorted(entries.get(announcement.id, []),
                        key=lambda e: (_group_order(e["group"]), _kind_order(e["category"]), e["category"] or "",
                                       e["rank"]))
        result.append({
            "id": announcement.id,
            "competition": {"id": competition.id, "name": competition.name, "year": competition.year},
            "round": {"id": rnd.id, "name": rnd.name, "sequence": rnd.sequence},
            "announced_at": iso_utc(announcement.announced_at),
            "objection_until": iso_utc(announcement.objection_until),
            "objection_period": has_window(announcement),
            "objection_open": window_open(announcement, now),
            "innovations": ranked,
            "objections": answers.get(announcement.id, []),
            "objections_pending": pending.get(announcement.id, 0),
        })
    pages = max(1, -(-total // PAGE_SIZE))
    return {"result": result, "count": total, "page": page, "page_size": PAGE_SIZE, "pages": pages}


def _kind_order(kind):
    from app.models.unit import UNIT_KINDS

    return UNIT_KINDS.index(kind) if kind in UNIT_KINDS else len(UNIT_KINDS)


def get_objection(session, pk):
    objection = session.get(Objection, pk)
    if objection is None:
        raise NotFound(_("Not found"))
    return objection
