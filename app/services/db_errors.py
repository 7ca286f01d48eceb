"""Human messages for the database's refusals (issue 13): a 422 never echoes the database's own text
("UNIQUE constraint failed: unit.code", PostgreSQL's "duplicate key value violates …"), which names tables and
values and is neither in the user's language nor meant for them. The field is read from the error (SQLite's
message or PostgreSQL's diagnostics) and named as the API names it; the detail is logged."""
import logging
import re

from flask_babel import gettext as _

log = logging.getLogger(__name__)

_SQLITE = re.compile(r"^(UNIQUE|NOT NULL|CHECK|FOREIGN KEY) constraint failed(?::\s*(?:\w+\.)?(\w+))?", re.I)
_PG_KEY = re.compile(r"Key \(([^)]+)\)=")


def _kind_and_field(err):
    orig = getattr(err, "orig", err)
    diag = getattr(orig, "diag", None)
    sqlstate = getattr(orig, "sqlstate", None) or getattr(diag, "sqlstate", None)
    if diag is not None and sqlstate:
        kind = {"23505": "unique", "23502": "not_null", "23503": "foreign_key", "23514": "check"}.get(sqlstate)
        field = getattr(diag, "column_name", None)
        match = _PG_KEY.search(getattr(diag, "message_detail", None) or "")
        if match and not field:
            field = match.group(1).split(",")[-1].strip()
        return kind, field
    match = _SQLITE.match(str(orig).splitlines()[0] if str(orig) else "")
    if match:
        kind = match.group(1).upper().replace(" ", "_").lower()
        return kind, match.group(2) if kind in ("unique", "not_null") else None
    return None, None


def integrity_message(err):
    """(message, field or None) for an IntegrityError; never the database's text."""
    kind, field = _kind_and_field(err)
    log.info("database refused a write (%s on %s): %s", kind, field, str(getattr(err, "orig", err)).splitlines()[0]
             if str(getattr(err, "orig", err)) else type(err).__name__)
    if kind == "unique":
        if field:
            return _("This %(field)s is already used by another record.", field=field), field
        return _("This value is already used by another record."), None
    if kind == "not_null":
        return (_("%(field)s is required.", field=field), field) if field else (_("A required value is missing."),
                                                                               None)
    if kind == "foreign_key":
        return _("A related record does not exist, or this record is still used by other data."), None
    if kind == "check":
        return _("A value is outside what is allowed for it."), None
    return _("The data could not be saved: it breaks a rule of the data."), None
