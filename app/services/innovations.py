"""Innovation proposals: ownership and the draft-only editing rule."""
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.models import Competition
from app.models.states import InnovationState
from app.services import access, groups, text_rules
from app.services.errors import Conflict, Forbidden, Invalid

# Labels of the innovation states (the lifecycle's own labels, also used in messages here).
S = InnovationState
STATE_LABELS = {
    S.DRAFT: _l("Draft"), S.SUBMITTED: _l("Submitted"), S.VERIFIED: _l("Verified"), S.SCORED: _l("Scored"),
    S.AWARDED: _l("Awarded"), S.REJECTED: _l("Rejected"), S.WITHDRAWN: _l("Withdrawn"),
}


def prepare_new(session, innovation, user):
    """A new proposal belongs to the proposer's unit and starts as a draft, whatever the client sent."""
    roles = access.role_names(user)
    if not roles & {"OPD", "Admin"}:
        raise Forbidden(_("Only a proposing unit may create innovations."))
    innovation.unit_id = access.ensure_unit_for_proposer(user)
    innovation.state = S.DRAFT.value
    innovation.version = 1
    innovation.created_by_id = user.id
    if innovation.competition_id is None or session.get(Competition, innovation.competition_id) is None:
        raise Invalid(_("Unknown competition."), field="competition_id")


def ensure_editable(innovation, user, action="edit"):
    """OPD edits and deletes its own drafts only: 403 for another unit or role, 409 outside draft."""
    if not access.owns_innovation(user, innovation):
        raise Forbidden(_("Only the proposing unit may change this innovation."))
    if innovation.state != S.DRAFT:
        if action == "delete":
            raise Conflict(_("Only a draft can be deleted; this innovation is \"%(state)s\".",
                             state=STATE_LABELS.get(innovation.state, innovation.state)))
        raise Conflict(_("Only a draft can be edited; this innovation is \"%(state)s\".",
                         state=STATE_LABELS.get(innovation.state, innovation.state)))


def word_count(text):
    return len((text or "").split())


def section_word_problem(competition, section, text, label=None):
    """The word-limit rule of one proposal section (limits are per competition, DESIGN §4): a message when
    ``text`` is longer than the section's limit, else None. The one place the rule is written: the
    proposal commands and the screen's field validator both call it."""
    from app.models.competition import DEFAULT_WORD_LIMITS

    limits = competition.effective_word_limits() if competition is not None else DEFAULT_WORD_LIMITS
    count, limit = word_count(text), limits.get(section)
    if limit and count > limit:
        if label is None:
            return _("%(count)s words; the limit is %(limit)s.", count=count, limit=limit)
        return _("%(section)s has %(count)s words; the limit is %(limit)s.", section=label, count=count, limit=limit)
    return None


def word_limit_problems(innovation, competition=None):
    """{field: message} for every proposal section longer than its limit."""
    from app.models import PROPOSAL_SECTIONS

    competition = competition or innovation.competition
    problems = {}
    for field, label in PROPOSAL_SECTIONS:
        problem = section_word_problem(competition, field, getattr(innovation, field), label)
        if problem:
            problems[field] = problem
    return problems


def proposal_problems(innovation, competition=None):
    """What a saved proposal (even a draft) must satisfy: a title (DESIGN §4: a draft needs only its
    competition and title) and the sections' word limits. {field: message}."""
    problems = {}
    if not (innovation.title or "").strip():
        problems["title"] = _("The title is required.")
    elif text_rules.has_bidi_control(innovation.title):
        problems["title"] = _("The title must not contain invisible text-direction characters (such as U+202E).")
    problems.update(word_limit_problems(innovation, competition))
    # issue 12 item 1: the group and category belong to the competition's lists
    problems.update(groups.innovation_problems(competition, innovation.group, innovation.category))
    return problems


def check_proposal(innovation, competition=None):
    """Raise ``Invalid`` (422, naming the field) for the first problem of :func:`proposal_problems` (after
    filling the group's default: the competition's first group); the innovator team is cleaned to its stored
    form or refused (``teams.clean``, issue 12)."""
    from app.services import teams

    innovation.team = teams.clean(innovation.team) or None
    groups.normalize_innovation(competition, innovation)
    problems = proposal_problems(innovation, competition)
    if problems:
        field, message = next(iter(problems.items()))
        raise Invalid(message, field=field)


LIVE_STATES = tuple(s.value for s in S if s not in (S.REJECTED, S.WITHDRAWN))


def duplicate_title_groups(session, competition_id):
    """Titles used by more than one live proposal of a competition (flagged to the Sekretariat), compared on
    the indexed ``title_normalized`` (lower case, trimmed, spaces collapsed)."""
    from sqlalchemy import func
    from sqlalchemy.orm import joinedload

    from app.models import Innovation

    key = Innovation.title_normalized
    dup_keys = (session.query(key).filter(Innovation.competition_id == competition_id,
                                          Innovation.state.in_(LIVE_STATES))
                .group_by(key).having(func.count() > 1))
    rows = (session.query(Innovation).options(joinedload(Innovation.unit))
            .filter(Innovation.competition_id == competition_id, Innovation.state.in_(LIVE_STATES),
                    key.in_(dup_keys.scalar_subquery()))
            .order_by(key, Innovation.id).all())
    return _grouped(rows)


def duplicate_groups_of(session, ids):
    """The duplicate groups the proposals ``ids`` (e.g. a list page) belong to: every live proposal sharing a
    (competition, normalised title) pair with one of them. One query: the pairs of the given rows, then an
    index lookup per pair (bounded by the page, whatever the table's size)."""
    from sqlalchemy import select, tuple_
    from sqlalchemy.orm import joinedload

    from app.models import Innovation

    if not ids:
        return []
    pairs = select(Innovation.competition_id, Innovation.title_normalized).where(Innovation.id.in_(list(ids)))
    rows = (session.query(Innovation).options(joinedload(Innovation.unit))
            .filter(tuple_(Innovation.competition_id, Innovation.title_normalized).in_(pairs),
                    Innovation.state.in_(LIVE_STATES))
            .order_by(Innovation.competition_id, Innovation.title_normalized, Innovation.id).all())
    return [group for group in _grouped(rows) if len(group) > 1]


def _grouped(rows):
    groups = {}
    for inn in rows:
        groups.setdefault((inn.competition_id, inn.title_normalized), []).append(inn)
    return list(groups.values())


def duplicates_of(session, innovation):
    """Other live proposals of the competition with the same normalised title (an index lookup)."""
    from sqlalchemy.orm import joinedload

    from app.models import Innovation
    from app.models.innovation import normalize_title

    return (session.query(Innovation).options(joinedload(Innovation.unit))
            .filter(Innovation.competition_id == innovation.competition_id, Innovation.id != innovation.id,
                    Innovation.title_normalized == normalize_title(innovation.title),
                    Innovation.state.in_(LIVE_STATES))
            .order_by(Innovation.id).all())
