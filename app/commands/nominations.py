"""Nomination upward (issue 12 item 8, DESIGN §11): nominate a competition's winners to the provincial or
national competition within its quota, and withdraw a nomination. The Sekretariat's (and the Admin's) only;
every door (``POST /api/v1/competition/<pk>/nominate``, the nomination screen) runs these commands. The rules
are in :mod:`app.services.nominations`."""
from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from app.commands.base import BaseCommand
from app.services import access, nominations
from app.services.errors import Forbidden


def require_sekretariat(actor) -> None:
    if not access.is_privileged(actor):
        raise Forbidden(_("Only the Sekretariat may nominate innovations."))


class Nominate(BaseCommand):
    """Nominate winners to one level; ids already nominated there are left as they are (idempotent)."""

    action = "nomination.create"
    target_type = "competition"

    def __init__(self, actor, competition_id: int, innovation_ids: Any, level: Any, *, session=None):
        super().__init__(actor, session=session)
        self.target_id = competition_id
        self.innovation_ids = innovation_ids
        self.level = level

    def validate(self) -> None:
        nominations.get_competition(self.session, self.target_id)  # 404 first: probing ids is not an attempt
        require_sekretariat(self.actor)

    def perform(self) -> dict[str, Any]:
        competition = nominations.get_competition(self.session, self.target_id, lock=True)
        outcome = nominations.nominate(self.session, competition, self.innovation_ids, self.level, self.actor)
        self.after = {"level": self.level, "nominated": outcome["nominated"], "already": outcome["already"]}
        self.detail = (f"{len(outcome['nominated'])} nominated to {self.level}"
                       f" ({len(outcome['already'])} already nominated)")
        return {**outcome, **nominations.result(self.session, competition, self.level)}


class WithdrawNomination(BaseCommand):
    """Withdraw one nomination (the row goes; the audit row keeps who, what and when)."""

    action = "nomination.withdraw"
    target_type = "competition"

    def __init__(self, actor, competition_id: int, nomination_id: int, *, session=None):
        super().__init__(actor, session=session)
        self.target_id = competition_id
        self.nomination_id = nomination_id

    def validate(self) -> None:
        nominations.get_nomination(self.session, self.target_id, self.nomination_id)  # 404 first
        require_sekretariat(self.actor)

    def perform(self) -> dict[str, Any]:
        competition = nominations.get_competition(self.session, self.target_id, lock=True)
        nomination = nominations.get_nomination(self.session, self.target_id, self.nomination_id)
        self.before = {"nomination_id": nomination.id, "innovation_id": nomination.innovation_id,
                       "level": nomination.level, "nominated_by_id": nomination.nominated_by_id,
                       "nominated_on": nomination.nominated_on}
        level = nomination.level
        self.session.delete(nomination)
        self.session.flush()
        self.detail = f"nomination of innovation {self.before['innovation_id']} to {level} withdrawn"
        return nominations.result(self.session, competition, level)
