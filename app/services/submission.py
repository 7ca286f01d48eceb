"""What the ``submit`` and ``verify`` guards check: completeness, attachments, implementation age, deadline."""
import datetime

from flask_babel import gettext as _

from app.models import PROPOSAL_SECTIONS_REQUIRED, Attachment
from app.models.base import utcnow
from app.services import evidence
from app.services.competitions import format_local, local_zone
from app.services.documents.indonesian import format_date


def missing_sections(innovation):
    return [label for field, label in PROPOSAL_SECTIONS_REQUIRED if not (getattr(innovation, field) or "").strip()]


def has_attachment(session, innovation):
    from sqlalchemy import inspect

    if "attachments" not in inspect(innovation).unloaded:  # already read with the row (the show page)
        return bool(innovation.attachments)
    return session.query(Attachment.id).filter(Attachment.innovation_id == innovation.id).first() is not None


def _add_years(day, years):
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def age_problem(innovation, today=None):
    competition = innovation.competition
    years = competition.min_implementation_years if competition is not None else 2
    if innovation.started_on is None:
        return _("The start date of the innovation is missing.")
    today = today or datetime.datetime.now(local_zone()).date()
    if _add_years(innovation.started_on, years) > today:
        return _("The innovation must have run for at least %(years)s years (started %(date)s).",
                 years=years, date=format_date(innovation.started_on))
    return None


def checkable_problems(session, innovation):
    """The checklist items the system can judge: sections filled, attachment present, each required evidence
    kind present, implementation age."""
    problems = []
    missing = missing_sections(innovation)
    if missing:
        problems.append(_("Sections not filled in: %(sections)s.", sections=", ".join(missing)))
    if not has_attachment(session, innovation):
        problems.append(_("At least one PDF attachment is required."))
    missing_kinds = evidence.missing_problem(session, innovation)  # typed evidence (issue 12): each kind named
    if missing_kinds:
        problems.append(missing_kinds)
    age = age_problem(innovation)
    if age:
        problems.append(age)
    from app.services.innovations import word_limit_problems

    problems.extend(word_limit_problems(innovation).values())
    return problems


def deadline_problem(innovation, now=None):
    competition = innovation.competition
    now = now or utcnow()
    if competition is not None and now > competition.submission_deadline:
        return _("The submission deadline has passed (%(deadline)s).",
                 deadline=format_local(competition.submission_deadline))
    return None


def checklist_problem(competition, attested):
    """The ``verify`` rule on the attested checklist (DESIGN §3): every item of the competition's
    checklist must be marked true in ``attested`` (``{"<item>": true, ...}``).

    Choice: every competition *has* a checklist. DESIGN §4 gives each one "a standard list by default"
    (``Competition.effective_checklist``: its own ``verification_checklist`` or the standard list), and the
    single-item screen has always asked for every box of that list; so the rule applies to the effective
    list, on every door. Returns a message naming the items not attested, or None."""
    items = competition.effective_checklist() if competition is not None else []
    if not items:
        return None
    attested = attested if isinstance(attested, dict) else {}
    missing = [item for item in items if attested.get(item) is not True]
    if not missing:
        return None
    return _("The verification checklist must be attested item by item for each proposal (open the proposal and "
             "tick every item); not attested: %(items)s.", items="; ".join(missing))
