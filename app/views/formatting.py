"""One formatting layer for every screen (DESIGN §9): what a person reads, never a raw value.

The same functions serve as FAB ``formatters_columns`` (every list and show page: ``GuardedModelView`` gives a
column without a formatter of its own :func:`human`) and as Jinja filters (``register``) in the custom
templates. Dates and money follow the official documents' conventions (app/services/documents/indonesian.py):
"5 Januari 2020", times in the regency's zone ("14:05 WIB"), ``Rp5.000.000,00``; numbers with a decimal comma
and at most 2 decimals; booleans "Ya"/"Tidak"; nothing "—"; codes (states, unit kinds, assignment statuses,
document states, workflow triggers) as their labels.
"""
import datetime
import enum
from decimal import Decimal

from flask import current_app, has_app_context
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from app.models.unit import UNIT_KIND_LABELS
from app.services import groups
from app.services.documents import indonesian

DASH = "—"

ASSIGNMENT_STATUS_LABELS = {"active": _l("Active"), "recused": _l("Recused")}
DOCUMENT_STATE_LABELS = {"valid": _l("Valid"), "revoked": _l("Revoked")}
DOCUMENT_KIND_LABELS = {"decree": _l("Decree"), "certificate": _l("Certificate")}
WORKFLOW_LABELS = {"innovation": _l("Innovation"), "decree": _l("Decree")}


def _zone():
    if has_app_context():
        return current_app.config.get("SIKIPP_TIMEZONE", "Asia/Jakarta")
    return "Asia/Jakarta"


def _local(value):
    """A stored (naive UTC) or aware datetime in the regency's zone."""
    from zoneinfo import ZoneInfo

    if value.tzinfo is None:
        value = value.replace(tzinfo=datetime.timezone.utc)
    return value.astimezone(ZoneInfo(_zone()))


def yes_no(value):
    """True → "Ya", False → "Tidak", None → "—"."""
    if value is None:
        return DASH
    return _("Yes") if value else _("No")


def or_dash(value):
    """The value, or "—" when there is none (None, empty text)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return DASH
    return value


def date_id(value):
    """"5 Januari 2020": a date, or the local calendar date of a stored time."""
    if value is None or value == "":
        return DASH
    if isinstance(value, datetime.datetime):
        value = _local(value).date()
    return f"{value.day} {indonesian.MONTHS[value.month - 1]} {value.year}"


def time_id(value):
    """"14:05 WIB": the local time of a stored (UTC) time, with the zone's abbreviation."""
    if value is None:
        return DASH
    local = _local(value)
    return f"{local:%H:%M} {local.tzname()}"


def datetime_id(value):
    """"5 Januari 2020 14:05 WIB" (a plain date shows as a date)."""
    if value is None or value == "":
        return DASH
    if not isinstance(value, datetime.datetime):
        return date_id(value)
    local = _local(value)
    return f"{local.day} {indonesian.MONTHS[local.month - 1]} {local.year} {local:%H:%M} {local.tzname()}"


def number(value, decimals=2):
    """A number with a decimal comma, at most ``decimals`` decimals, no trailing zeros: 0.4 → "0,4",
    92.4333 → "92,43", 1500 → "1.500"."""
    if value is None or value == "":
        return DASH
    if isinstance(value, bool):
        return yes_no(value)
    try:
        quantized = round(Decimal(str(value)), decimals)
    except ArithmeticError:
        return str(value)
    text = f"{quantized:,.{decimals}f}" if decimals else f"{quantized:,.0f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")


def score(value):
    """A score with exactly 2 decimals and a decimal comma ("87,50"), or "—"."""
    if value is None or value == "":
        return DASH
    return f"{round(Decimal(str(value)), 2):.2f}".replace(".", ",")


def money(value):
    """``Rp5.000.000,00``, or "—"."""
    if value is None or value == "":
        return DASH
    return indonesian.rupiah(value)


def percent(value):
    """A weight as a share: 0.4 → "40 %"."""
    if value is None or value == "":
        return DASH
    return f"{number(Decimal(str(value)) * 100, 1)} %"


def weight(value):
    """"0,4 (40 %)": a round's weight as stored and as a share."""
    if value is None or value == "":
        return DASH
    return f"{number(value)} ({percent(value)})" if Decimal(str(value)) <= 1 else number(value)


def unit_kind(value):
    return UNIT_KIND_LABELS.get(value, value) if value else DASH


def assignment_status(value):
    return ASSIGNMENT_STATUS_LABELS.get(value, value) if value else DASH


def document_state(value):
    return DOCUMENT_STATE_LABELS.get(value, value) if value else DASH


def document_kind(value):
    return DOCUMENT_KIND_LABELS.get(value, value) if value else DASH


def decree_number(value):
    """A decree's number, or "belum bernomor" while it has none (a draft)."""
    return value if value else _("not yet numbered")


def user_name(user):
    """A person's name ("Ratna Dewi Anggraini"), else the username; "—" for nobody."""
    if user is None:
        return DASH
    if isinstance(user, str):
        return user or DASH
    full = " ".join(p for p in (getattr(user, "first_name", None), getattr(user, "last_name", None)) if p).strip()
    return full or getattr(user, "username", None) or DASH


def _workflows():
    from app.lifecycles import ALL_WORKFLOWS

    return ALL_WORKFLOWS


def _workflow(name):
    for wf in _workflows():
        if wf.name == name:
            return wf
    return None


def workflow_label(name):
    return WORKFLOW_LABELS.get(name, name)


def state_label(value, workflow="innovation"):
    """A workflow state's label ("submitted" → "Diajukan")."""
    if not value:
        return DASH
    wf = _workflow(workflow)
    return wf.label(value) if wf is not None else value


def trigger_label(value, workflow="innovation"):
    """A workflow trigger's label ("submit" → "Ajukan")."""
    if not value:
        return DASH
    wf = _workflow(workflow)
    t = wf.transitions.get(value) if wf is not None else None
    return (t.label or value) if t is not None else value


def state_badge(value, workflow="innovation"):
    """The state as a coloured label."""
    from workflows.fab import state_badge as badge

    wf = _workflow(workflow)
    return badge(wf, value) if wf is not None and value else state_label(value, workflow)


def human(value):
    """Any stored value for reading: booleans, nothing, times, dates, numbers, lists; text as it is."""
    if value is None:
        return DASH
    if isinstance(value, Markup):
        return value
    if isinstance(value, bool):
        return yes_no(value)
    if isinstance(value, datetime.datetime):
        return datetime_id(value)
    if isinstance(value, datetime.date):
        return date_id(value)
    if isinstance(value, enum.Enum):
        value = value.value
    if isinstance(value, (Decimal, float)):
        return number(value)
    if isinstance(value, (list, tuple, set)):
        return ", ".join(str(human(v)) for v in value) or DASH
    if isinstance(value, str) and not value.strip():
        return DASH
    return value


# -- Jinja ----------------------------------------------------------------------------------------------

FILTERS = {
    "human": human, "yes_no": yes_no, "or_dash": or_dash, "date_id": date_id, "time_id": time_id,
    "datetime_id": datetime_id, "number_id": number, "score_id": score, "money": money, "percent": percent,
    "weight": weight, "unit_kind": unit_kind, "assignment_status": assignment_status,
    "document_state": document_state, "document_kind": document_kind, "decree_number": decree_number,
    "user_name": user_name, "workflow_label": workflow_label, "state_label": state_label, "trigger_label": trigger_label, "state_badge": state_badge,
}


def register(app):
    """The filters in every template (``{{ value|datetime_id }}``, ``{{ amount|money }}``, …)."""
    app.jinja_env.filters.update(FILTERS)


def default_formatters(view):
    """``formatters_columns`` of a FAB view with :func:`human` for every listed or shown column that has no
    formatter of its own (so no column shows True, None or an ISO time)."""
    formatters = dict(getattr(view, "formatters_columns", None) or {})
    columns = list(getattr(view, "list_columns", None) or []) + list(getattr(view, "show_columns", None) or [])
    for name in ("show_fieldsets", "user_show_fieldsets"):
        for fieldset in getattr(view, name, None) or []:
            columns += list(fieldset[1].get("fields", []))
    for column in columns:
        formatters.setdefault(column, human)
    return formatters


# Columns FAB would label with their prettified English name ("Created On") where a view has no label: FAB's
# own msgids where it has one (translated in our catalog).
COMMON_LABELS = {
    "created_on": _l("Created on"), "changed_on": _l("Changed on"), "created_by": _l("Created by"),
    "changed_by": _l("Changed by"), "first_name": _l("First Name"), "last_name": _l("Last Name"),
    "active": _l("Is Active?"), "last_login": _l("Last login"), "login_count": _l("Login count"),
    "fail_login_count": _l("Failed login count"), "roles": _l("Role"), "groups": _l("Groups"),
    "email": _l("Email"), "username": _l("User Name"), "version": _l("Version"), "name": _l("Name"),
}


def format_all_views(appbuilder):
    """Give every registered FAB model view (FAB's own security screens included) the default formatters, and
    labels in the catalog for the common columns FAB would otherwise label in English."""
    for view in appbuilder.baseviews:
        if hasattr(view, "datamodel") and hasattr(view, "formatters_columns"):
            view.formatters_columns = default_formatters(view)
        labels = getattr(view, "label_columns", None)
        if isinstance(labels, dict):
            view.label_columns = {**labels, **{column: label for column, label in COMMON_LABELS.items()
                                               if column in labels and isinstance(labels[column], str)}}


def group(value):
    """A KIPP group code as its label (issue 12)."""
    return groups.group_label(value) if value else DASH


def category(value):
    """A category: a unit kind's label, or the competition's thematic category (issue 12)."""
    return groups.category_label(value) if value else DASH


def text_list(values):
    """A list of texts, comma-separated ("—" when empty)."""
    return ", ".join(str(v) for v in values or ()) or DASH
