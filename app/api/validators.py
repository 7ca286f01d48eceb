"""Field validators shared by APIs and views (messages name the field through marshmallow)."""
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError, validate

from app.models import SAKIP_GRADES, UNIT_KINDS
from app.services import groups, text_rules


def sdg_goals(value):
    if value is None:
        return
    if not isinstance(value, list) or not all(isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= 17
                                              for v in value):
        raise ValidationError(str(_l("SDG goals must be a list of numbers from 1 to 17.")))


def plain_text(value):
    """Names printed on the decree, the piagam and the screens carry no invisible text-direction characters
    (app.services.text_rules: "U+202E" reorders what a reader sees)."""
    if isinstance(value, str) and text_rules.has_bidi_control(value):
        raise ValidationError(str(_l("Text must not contain invisible text-direction characters (such as U+202E).")))


plain_text.says_why = True  # its message is the user's (app.views.base.ApiRule shows it as it is)


def plain(length):
    """``length`` (a marshmallow validator) and :func:`plain_text`, as one validator (FAB takes one per column)."""

    def check(value):
        length(value)
        plain_text(value)

    check.parts = (length, plain_text)  # the screens' ApiRule runs them one by one, for its own messages
    return check


unit_kind = validate.OneOf(UNIT_KINDS)
sakip_grade = validate.OneOf(SAKIP_GRADES)
title = validate.Length(min=1, max=200)
video_url = validate.URL(schemes={"http", "https"}, require_tld=True)
positive = validate.Range(min=0, min_inclusive=False)
year = validate.Range(min=2000, max=2100)


def word_limits(value):
    """Per-competition word limits: {section: positive integer} for known proposal sections."""
    from app.models.competition import DEFAULT_WORD_LIMITS

    if value is None:
        return
    if not isinstance(value, dict) or not all(
            k in DEFAULT_WORD_LIMITS and isinstance(n, int) and not isinstance(n, bool) and 1 <= n <= 10000
            for k, n in value.items()):
        raise ValidationError(str(_l("Word limits must map proposal sections (%(sections)s) to numbers from 1 to "
                                     "10000.", sections=", ".join(DEFAULT_WORD_LIMITS))))


def checklist(value):
    if value is None:
        return
    if (not isinstance(value, list) or not value or len(value) > 30
            or not all(isinstance(item, str) and 0 < len(item.strip()) <= 200 for item in value)):
        raise ValidationError(str(_l("The checklist must be a list of 1 to 30 non-empty texts.")))


def evidence_kinds(value):
    """The competition's evidence kinds (issue 12): the rule is the service's, its message names the kind."""
    from app.services import evidence
    from app.services.errors import Invalid

    try:
        evidence.clean_kinds(value)
    except Invalid as err:
        raise ValidationError(str(err.message)) from None


def team(value):
    """An innovation's team (issue 12): the rule is the service's, its message names the member."""
    from app.services import teams
    from app.services.errors import Invalid

    try:
        teams.clean(value)
    except Invalid as err:
        raise ValidationError(str(err.message)) from None


# -- groups and categories (issue 12 item 1): the rules are app.services.groups' ----------------------------

def competition_groups(value):
    problem = groups.groups_problem(value)
    if problem:
        raise ValidationError(problem)


def competition_categories(value):
    problem = groups.categories_problem(value)
    if problem:
        raise ValidationError(problem)


innovation_group = validate.OneOf(groups.GROUPS)
innovation_category = validate.Length(max=groups.MAX_CATEGORY_LENGTH)


def nomination_quota(value):
    """Nomination upward (issue 12 item 8): the rule is app.services.nominations.quota_problem."""
    from app.services.nominations import quota_problem

    problem = quota_problem(value)
    if problem:
        raise ValidationError(problem)


# Registry (issue 12): the levels a competition's eligibility rule may name (DESIGN §11).
eligibility_level = validate.OneOf(("kabupaten", "provinsi", "nasional"))
