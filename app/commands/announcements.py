"""Announcing a closed round's results and the public's objections (DESIGN §10). The answers (``uphold`` /
``dismiss``) are the objection lifecycle's transitions, fired through app.commands.transitions like any other."""
from __future__ import annotations

from typing import Any

from flask import current_app

from app.commands.base import BaseCommand
from app.commands.judging import require_privileged
from app.services import announcements, judging


class AnnounceRound(BaseCommand):
    """Publish a closed round's provisional results on /pengumuman/ and open its objection window. Once per
    round: announcing again answers 409 (the window is a public promise and never moves)."""

    action = "round_announced"
    target_type = "round"

    def __init__(self, actor, round_id: int, *, session=None):
        super().__init__(actor, session=session)
        self.target_id = round_id

    def validate(self) -> None:
        judging.get_round(self.session, self.target_id)  # 404 first: probing ids is not an attempt
        require_privileged(self.actor)

    def perform(self) -> dict[str, Any]:
        rnd = judging.get_round(self.session, self.target_id)
        announcement = announcements.announce(self.session, rnd, self.actor,
                                              current_app.config.get("SIKIPP_TIMEZONE", "Asia/Jakarta"))
        summary = announcements.announcement_summary(announcement)
        self.after = {"objection_until": summary["objection_until"]}
        self.detail = f"{summary['innovations']} innovations announced; objections until {summary['objection_until']}"
        self.audit_data = {"announcement_id": announcement.id}
        return summary


class SubmitObjection(BaseCommand):
    """A member of the public objects to an announced innovation (no account). The audit row names the objection
    and the innovation, never the objector's e-mail address."""

    action = "objection.create"
    target_type = "objection"

    def __init__(self, actor, body: Any, *, session=None):
        super().__init__(actor, session=session)
        self.body = body

    def perform(self) -> dict[str, Any]:
        objection = announcements.create_objection(self.session, self.body)
        self.target_id = objection.id
        self.after = {"state": objection.state}
        self.audit_data = {"innovation_id": objection.innovation_id, "announcement_id": objection.announcement_id}
        return {"id": objection.id, "state": objection.state}
