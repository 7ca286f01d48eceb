"""Groups and categories of a competition (issue 12 items 1 and 2, DESIGN §11), written once.

- A competition's ``groups`` are a non-empty subset of KIPP's ``umum``, ``replikasi``, ``khusus`` (its own
  order; the first is an innovation's default); ``categories`` a list of thematic categories (empty: the
  unit's kind is the category, as before).
- An innovation's ``group`` is one of its competition's groups; its ``category`` one of the competition's
  categories when it has any, empty otherwise.
- A round's ``category_quotas`` ({category: n}) name categories the competition ranks by.
- :func:`bucket_of` is the ranking bucket (group, category) of an innovation — what ranks, shortlists and
  awards are per.

Every door (API, screens, CLI, demo) goes through these functions: the messages are the same everywhere.
"""
from flask_babel import gettext as _

from app.models.states import InnovationGroup, UnitKind, values
from app.models.unit import UNIT_KIND_LABELS

GROUPS = values(InnovationGroup)
DEFAULT_GROUPS = ("umum",)
# KIPP's own names (Indonesian in every language, like the unit kinds' labels).
GROUP_LABELS = {"umum": "Umum", "replikasi": "Replikasi", "khusus": "Khusus"}
MAX_CATEGORIES = 30
MAX_CATEGORY_LENGTH = 64  # the column's size (innovation.category, award.category, announcement_entry.category)
MAX_QUOTA = 1_000_000


def group_label(code):
    return str(GROUP_LABELS.get(code, code or ""))


def category_label(category):
    """The category as shown: a unit kind's label, or the thematic category itself."""
    return str(UNIT_KIND_LABELS.get(category, category or ""))


def effective_groups(competition):
    groups = list(getattr(competition, "groups", None) or ())
    return [g for g in groups if g in GROUPS] or list(DEFAULT_GROUPS)


def effective_categories(competition):
    return list(getattr(competition, "categories", None) or ())


def ranking_categories(competition):
    """The categories the competition ranks by: its thematic list, else the unit kinds."""
    return effective_categories(competition) or list(values(UnitKind))


# -- the competition's fields ----------------------------------------------------------------------------

def groups_problem(value):
    """Why ``value`` is not a valid group list (None when it is)."""
    if (not isinstance(value, list) or not value or not all(isinstance(g, str) for g in value)
            or any(g not in GROUPS for g in value) or len(set(value)) != len(value)):
        return _("Groups must be a non-empty list without repetition of: %(groups)s.", groups=", ".join(GROUPS))
    return None


def categories_problem(value):
    """Why ``value`` is not a valid category list (None when it is)."""
    if (not isinstance(value, list) or len(value) > MAX_CATEGORIES
            or not all(isinstance(c, str) and c.strip() and c == c.strip() and len(c) <= MAX_CATEGORY_LENGTH
                       for c in value)
            or len({c.casefold() for c in value}) != len(value)):
        return _("Categories must be a list of at most %(count)s different, non-empty texts of at most %(length)s "
                 "characters.", count=MAX_CATEGORIES, length=MAX_CATEGORY_LENGTH)
    return None


def parse_lines(text):
    """A screen's text area (one item per line) as a list; blank lines dropped, spaces trimmed."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


# -- the innovation's fields -----------------------------------------------------------------------------

def normalize_innovation(competition, innovation):
    """Fill the defaults: the competition's first group when none is given; an empty category as None."""
    if not getattr(innovation, "group", None) and competition is not None:
        innovation.group = effective_groups(competition)[0]
    if isinstance(innovation.category, str):
        innovation.category = innovation.category.strip() or None


def innovation_problems(competition, group, category):
    """{field: message} of an innovation's group and category against its competition."""
    problems = {}
    if competition is None:
        return problems
    groups = effective_groups(competition)
    if group not in groups:
        problems["group"] = _("The group must be one of this competition's groups: %(groups)s.",
                              groups=", ".join(group_label(g) for g in groups))
    categories = effective_categories(competition)
    if categories:
        if category not in categories:
            problems["category"] = _("Choose one of this competition's categories: %(categories)s.",
                                     categories="; ".join(categories))
    elif category:
        problems["category"] = _("This competition has no categories: leave the category empty (the unit's kind "
                                 "is its category).")
    return problems


# -- the round's quotas ----------------------------------------------------------------------------------

def parse_quotas_text(text):
    """A screen's text area ("category = n" per line) as a dict; a line that cannot be read stays as text so
    that :func:`quotas_problem` names it."""
    quotas = {}
    for line in parse_lines(text):
        name, sep, number = line.rpartition("=")
        if not sep:
            return line
        number = number.strip()
        quotas[name.strip()] = int(number) if number.isascii() and number.isdigit() else number
    return quotas


def quotas_text(quotas):
    return "\n".join(f"{name} = {n}" for name, n in (quotas or {}).items())


def quotas_problem(value, competition=None):
    """Why ``value`` is not a valid {category: quota} map (None when it is): whole numbers 1.., and (given the
    competition) categories it ranks by."""
    if not isinstance(value, dict) or not all(
            isinstance(k, str) and k.strip() and isinstance(n, int) and not isinstance(n, bool) and 1 <= n <= MAX_QUOTA
            for k, n in value.items()):
        return _("Category quotas must map categories to whole numbers from 1 to %(max)s (one \"category = n\" "
                 "per line on the screen).", max=MAX_QUOTA)
    if competition is not None:
        known = ranking_categories(competition)
        unknown = [k for k in value if k not in known]
        if unknown:
            return _("Unknown categories in the quotas: %(unknown)s. This competition ranks by: %(known)s.",
                     unknown="; ".join(unknown), known="; ".join(known))
    return None


# -- the ranking bucket -----------------------------------------------------------------------------------

def bucket_order(competition):
    """Sort key of a (group, category) bucket: the competition's order of groups, then of categories."""
    groups = effective_groups(competition)
    categories = ranking_categories(competition)

    def key(bucket):
        group, category = bucket
        return (groups.index(group) if group in groups else len(groups), group or "",
                categories.index(category) if category in categories else len(categories), category or "")
    return key
