"""Typed evidence (issue 12, DESIGN §11): the competition's evidence kinds and the kind of each attachment.

A competition's ``evidence_kinds`` is ``[{"code", "label", "required", "max_mb"}]``. When it defines kinds, every
attachment names one (multipart field ``kind``), is capped at that kind's ``max_mb`` (the competition's
``max_attachment_mb`` when the kind has none), and ``submit`` names each required kind still missing. Without
kinds, ``kind`` is optional and ignored for caps (a plain competition works as before).

:func:`attachments_by_kind` is the function other features (the SINOVIK/IID exports) call.
"""
import re

from flask_babel import gettext as _
from sqlalchemy import select

from app.models import Attachment
from app.services import text_rules
from app.services.errors import Invalid

CODE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
MAX_KINDS = 30
MAX_MB = 100
KEYS = ("code", "label", "required", "max_mb")
_REQUIRED_WORDS = {"wajib", "ya", "yes", "required", "true", "1"}
_OPTIONAL_WORDS = {"opsional", "tidak", "no", "optional", "false", "0", ""}


def _mb(value, code):
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not (0 < value <= MAX_MB):
        raise Invalid(_("Evidence kind \"%(code)s\": max_mb must be a number of megabytes above 0 and at most "
                        "%(max)s.", code=code, max=MAX_MB), field="evidence_kinds")
    return int(value) if float(value).is_integer() else float(value)


def clean_kinds(kinds):
    """The kinds as stored, or ``Invalid`` (422 on ``evidence_kinds``) naming the kind and the rule."""
    if kinds is None:
        return None
    if not isinstance(kinds, list):
        raise Invalid(_("Evidence kinds must be a list of {code, label, required, max_mb}."), field="evidence_kinds")
    if len(kinds) > MAX_KINDS:
        raise Invalid(_("A competition has at most %(max)s evidence kinds.", max=MAX_KINDS), field="evidence_kinds")
    out, seen = [], set()
    for index, kind in enumerate(kinds, 1):
        if not isinstance(kind, dict):
            raise Invalid(_("Evidence kind %(n)s must be an object with code, label, required and max_mb.", n=index),
                          field="evidence_kinds")
        unknown = sorted(set(kind) - set(KEYS))
        if unknown:
            raise Invalid(_("Evidence kind %(n)s: unknown field(s) %(keys)s (allowed: %(allowed)s).", n=index,
                            keys=", ".join(map(str, unknown)), allowed=", ".join(KEYS)), field="evidence_kinds")
        code = kind.get("code")
        if not isinstance(code, str) or not CODE.match(code):
            raise Invalid(_("Evidence kind %(n)s: the code must be 1 to 40 lower-case letters, digits, \"-\" or "
                            "\"_\" (such as sk_tim).", n=index), field="evidence_kinds")
        if code in seen:
            raise Invalid(_("Evidence kind code \"%(code)s\" is used twice.", code=code), field="evidence_kinds")
        seen.add(code)
        label = kind.get("label")
        label = " ".join(label.split()) if isinstance(label, str) else ""
        if not label or len(label) > 200:
            raise Invalid(_("Evidence kind \"%(code)s\": a label of 1 to 200 characters is required.", code=code),
                          field="evidence_kinds")
        if text_rules.has_bidi_control(label):
            raise Invalid(_("Evidence kind \"%(code)s\": the label must not contain invisible text-direction "
                            "characters (such as U+202E).", code=code), field="evidence_kinds")
        required = kind.get("required", False)
        if not isinstance(required, bool):
            raise Invalid(_("Evidence kind \"%(code)s\": required must be true or false.", code=code),
                          field="evidence_kinds")
        out.append({"code": code, "label": label, "required": required, "max_mb": _mb(kind.get("max_mb"), code)})
    return out


def kinds_of(competition):
    return list((competition.evidence_kinds if competition is not None else None) or [])


def find_kind(competition, code):
    return next((k for k in kinds_of(competition) if k["code"] == code), None)


def label_of(competition, code):
    kind = find_kind(competition, code)
    return kind["label"] if kind else code


def check_kind(competition, code):
    """The kind an upload may carry: one of the competition's codes when it defines any (422 otherwise), optional
    (None) when it defines none; an unknown code there is refused too rather than stored unchecked."""
    code = (code or "").strip() or None
    kinds = kinds_of(competition)
    if not kinds:
        if code is None:
            return None
        raise Invalid(_("This competition defines no evidence kinds; send the file without a kind."), field="kind")
    if code is None:
        raise Invalid(_("Choose the evidence kind of the file (one of: %(kinds)s).",
                        kinds=", ".join(f"{k['code']} ({k['label']})" for k in kinds)), field="kind")
    if find_kind(competition, code) is None:
        raise Invalid(_("Unknown evidence kind \"%(code)s\"; this competition accepts: %(kinds)s.", code=code,
                        kinds=", ".join(k["code"] for k in kinds)), field="kind")
    return code


def cap_mb(competition, code):
    """The size cap in MB of a file of kind ``code``: the kind's ``max_mb``, else the competition's."""
    kind = find_kind(competition, code) if code else None
    if kind is not None and kind.get("max_mb"):
        return kind["max_mb"]
    return competition.max_attachment_mb if competition is not None else 5


def size_problem(competition, code, size):
    """A message naming the kind and its cap when a file of ``size`` bytes is over it; None otherwise."""
    cap = cap_mb(competition, code)
    if size <= int(cap * 1024 * 1024):
        return None
    mb = f"{cap:g}".replace(".", ",")
    kind = find_kind(competition, code) if code else None
    if kind is not None:
        return _("The file is larger than the limit of %(mb)s MB for the evidence kind \"%(label)s\".", mb=mb,
                 label=kind["label"])
    return _("The file is larger than the limit of %(mb)s MB.", mb=mb)


def missing_required(session, innovation):
    """The required kinds of the competition with no attachment of that kind yet: [{code, label, ...}]."""
    required = [k for k in kinds_of(innovation.competition) if k.get("required")]
    if not required:
        return []
    present = set(session.execute(select(Attachment.kind).where(Attachment.innovation_id == innovation.id))
                  .scalars())
    return [k for k in required if k["code"] not in present]


def missing_problem(session, innovation):
    missing = missing_required(session, innovation)
    if not missing:
        return None
    return _("Required evidence missing: %(kinds)s.", kinds="; ".join(f"{k['label']} ({k['code']})" for k in missing))


def attachments_by_kind(session, innovation_id):
    """{kind code or None: [Attachment, ...]} of an innovation, in upload order (for exports; no access check)."""
    rows = session.execute(select(Attachment).where(Attachment.innovation_id == innovation_id)
                           .order_by(Attachment.id)).scalars()
    out = {}
    for row in rows:
        out.setdefault(row.kind, []).append(row)
    return out


# -- the competition form's text (one kind per line) -------------------------------------------------------------

def to_lines(kinds):
    """The kinds as the competition form shows them: ``code | label | wajib/opsional | max MB`` per line."""
    lines = []
    for k in kinds or []:
        mb = "" if k.get("max_mb") in (None, "") else f"{k['max_mb']:g}"
        lines.append(" | ".join((k["code"], k["label"], "wajib" if k.get("required") else "opsional", mb)).rstrip(
            " |"))
    return "\n".join(lines)


def from_lines(text):
    """Parse the form's lines into kinds (then :func:`clean_kinds`); ``Invalid`` names the line."""
    kinds = []
    for number, line in enumerate((text or "").splitlines(), 1):
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split("|")]
        if len(parts) < 2 or len(parts) > 4:
            raise Invalid(_("Line %(n)s: write code | label | wajib or opsional | max MB (such as "
                            "\"sk_tim | SK tim inovasi | wajib | 1\").", n=number), field="evidence_kinds")
        word = (parts[2] if len(parts) > 2 else "").lower()
        if word not in _REQUIRED_WORDS | _OPTIONAL_WORDS:
            raise Invalid(_("Line %(n)s: the third part is \"wajib\" or \"opsional\".", n=number),
                          field="evidence_kinds")
        raw_mb = (parts[3] if len(parts) > 3 else "").replace(",", ".")
        try:
            mb = float(raw_mb) if raw_mb else None
        except ValueError:
            raise Invalid(_("Line %(n)s: the size limit is a number of megabytes (such as 1).", n=number),
                          field="evidence_kinds") from None
        kinds.append({"code": parts[0], "label": parts[1], "required": word in _REQUIRED_WORDS, "max_mb": mb})
    return clean_kinds(kinds) or None
