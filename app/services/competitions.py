"""Competitions, rounds and criteria."""
import datetime
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _

from app.models import Assignment, Criterion, Round, ScoreSheet
from app.services import audit
from app.services.errors import Conflict, Invalid

# Sidoarjo's stages (DESIGN §1) with a KIPP-style rubric for each.
DEFAULT_ROUNDS = (
    ("Penilaian Proposal", 0.4, 20, (
        ("Kebaruan", 20), ("Signifikansi", 20), ("Kemanfaatan", 20),
        ("Adaptabilitas", 15), ("Keberlanjutan", 15), ("Kolaborasi", 10),
    )),
    ("Presentasi dan Wawancara", 0.3, 10, (("Substansi inovasi", 70), ("Presentasi dan wawancara", 30))),
    ("Verifikasi Lapangan", 0.3, None, (
        ("Kesesuaian dengan proposal", 40), ("Bukti dukung dan data kinerja", 30),
        ("Keberlanjutan di lapangan", 30),
    )),
)


def local_zone():
    return ZoneInfo(current_app.config.get("SIKIPP_TIMEZONE", "Asia/Jakarta"))


def to_utc_naive(value):
    """Deadlines arrive as ISO 8601; a value without offset is local time in SIKIPP_TIMEZONE."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=local_zone())
    try:
        return value.astimezone(datetime.timezone.utc).replace(tzinfo=None)
    except (OverflowError, ValueError):  # e.g. 0001-01-01 local or 9999-12-31T23:59-12:00: no UTC date (was a 500)
        raise Invalid(_("The date is out of range."), field="submission_deadline") from None


def to_local(value):
    if value is None:
        return None
    return value.replace(tzinfo=datetime.timezone.utc).astimezone(local_zone())


def to_local_naive(value):
    local = to_local(value)
    return local.replace(tzinfo=None) if local is not None else None


def format_local(value):
    """A stored UTC time as the regency's local time, e.g. "31 Juli 2026 23:59 WIB"."""
    from app.services.documents.indonesian import format_datetime

    if value is None:
        return "—"
    return format_datetime(value, current_app.config.get("SIKIPP_TIMEZONE", "Asia/Jakarta"))


def add_default_rounds(competition):
    """New competitions start with the three default rounds and their rubrics."""
    for sequence, (name, weight, shortlist, criteria) in enumerate(DEFAULT_ROUNDS, start=1):
        rnd = Round(name=name, sequence=sequence, weight=weight, shortlist_size=shortlist)
        rnd.criteria = [Criterion(name=c, weight=w, max_score=100, sequence=i)
                        for i, (c, w) in enumerate(criteria, start=1)]
        competition.rounds.append(rnd)


def log_deadline_change(session, competition, old, user):
    if old is not None and old != competition.submission_deadline:
        audit.record(session, user, "deadline_changed", "competition", competition.id,
                     detail=f"{format_local(old)} → {format_local(competition.submission_deadline)}")


def round_has_sheets(session, round_id):
    return session.query(ScoreSheet.id).join(Assignment).filter(Assignment.round_id == round_id).first() is not None


def ensure_rubric_editable(session, round_id):
    """A round's criteria and weights are frozen once any sheet of it exists (rankings would shift)."""
    if round_id is not None and round_has_sheets(session, round_id):
        raise Conflict(_("This round already has score sheets: its criteria and weights are frozen."))
