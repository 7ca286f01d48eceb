"""The innovator team of a proposal (issue 12, DESIGN §11): its rules and who may read it.

A team is ``[{"name", "nip", "position", "role", "contact"}]`` (``contact`` optional; DESIGN names the first four
exactly). It is personal data: read only by the proposing unit, the Sekretariat (and the Admin) and a juror
assigned to the innovation in no blind round. Never public (catalogue, results, announcements, /verify read
explicit fields and never this one), never to a blind juror, never to another unit (whose row filter already
hides the innovation), never to the Penandatangan (who signs decrees and needs no personal data).

:func:`team_of` is the function other features (nomination exports) call to read a team.
"""
import re

from flask_babel import gettext as _
from sqlalchemy import select

from app.models import Assignment, Innovation, Round
from app.services import access, text_rules
from app.services.errors import Invalid

MAX_MEMBERS = 30
KEYS = ("name", "nip", "position", "role", "contact")
REQUIRED_KEYS = ("name", "nip", "position", "role")
LIMITS = {"name": 120, "nip": 18, "position": 120, "role": 80, "contact": 120}
NIP_DIGITS = 18
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _text(value, index, key):
    if value is None:
        return ""
    if not isinstance(value, str):
        raise Invalid(_("Team member %(n)s: \"%(key)s\" must be text.", n=index, key=key), field="team")
    value = " ".join(value.split())
    if text_rules.has_bidi_control(value) or _CONTROL.search(value):
        raise Invalid(_("Team member %(n)s: \"%(key)s\" must not contain invisible control or text-direction "
                        "characters (such as U+202E).", n=index, key=key), field="team")
    return value


def clean(team):
    """The team as stored (texts trimmed, NIP digits only, empty members dropped), or ``Invalid`` (422 on the
    field ``team``) naming the member and the rule. ``None`` and ``[]`` mean no team."""
    if team is None:
        return None
    if not isinstance(team, list):
        raise Invalid(_("The team must be a list of members (name, NIP, position, role)."), field="team")
    members = []
    for index, member in enumerate(team, 1):
        if not isinstance(member, dict):
            raise Invalid(_("Team member %(n)s must be an object with name, nip, position and role.", n=index),
                          field="team")
        unknown = sorted(set(member) - set(KEYS))
        if unknown:
            raise Invalid(_("Team member %(n)s: unknown field(s) %(keys)s (allowed: %(allowed)s).", n=index,
                            keys=", ".join(map(str, unknown)), allowed=", ".join(KEYS)), field="team")
        row = {key: _text(member.get(key), index, key) for key in KEYS}
        if not any(row.values()):
            continue  # an empty row of the screen's editor
        if not row["name"]:
            raise Invalid(_("Team member %(n)s: the name is required.", n=index), field="team")
        nip = row["nip"].replace(" ", "").replace(".", "")
        if nip and not (text_rules.is_digits(nip) and len(nip) == NIP_DIGITS):
            raise Invalid(_("Team member %(n)s (%(name)s): a NIP has exactly %(digits)s digits (or leave it empty "
                            "for members who are not civil servants).", n=index, name=row["name"],
                            digits=NIP_DIGITS), field="team")
        row["nip"] = nip
        for key, limit in LIMITS.items():
            if len(row[key]) > limit:
                raise Invalid(_("Team member %(n)s: \"%(key)s\" is longer than %(limit)s characters.", n=index,
                                key=key, limit=limit), field="team")
        members.append({key: row[key] for key in REQUIRED_KEYS} | ({"contact": row["contact"]} if row["contact"]
                                                                    else {}))
    if len(members) > MAX_MEMBERS:
        raise Invalid(_("A team has at most %(max)s members.", max=MAX_MEMBERS), field="team")
    return members


def visible_to(session, user, innovation):
    """May ``user`` read the team of ``innovation``? The unit itself, the Sekretariat and the Admin, and a juror
    assigned to it in no blind round."""
    if user is None or not getattr(user, "is_authenticated", False) or innovation is None:
        return False
    roles = access.role_names(user)
    if roles & {"Admin", "Sekretariat"}:
        return True
    if "OPD" in roles and user.unit_id is not None and user.unit_id == innovation.unit_id:
        return True
    if "Juri" in roles:
        rounds = session.execute(
            select(Round.blind).join(Assignment, Assignment.round_id == Round.id)
            .where(Assignment.innovation_id == innovation.id, Assignment.juror_id == user.id)).scalars().all()
        return bool(rounds) and not any(rounds)
    return False


def team_for(session, user, innovation):
    """The team as ``user`` may read it: the members, or None when it is hidden from them."""
    if not visible_to(session, user, innovation):
        return None
    return list(innovation.team or [])


def team_of(session, innovation_id):
    """The stored team of an innovation (``[]`` when none), for server-side features that already decided the
    reader may have it (e.g. the Sekretariat's nomination exports). No access check here: callers check."""
    team = session.execute(select(Innovation.team).where(Innovation.id == innovation_id)).scalar()
    return list(team or [])
