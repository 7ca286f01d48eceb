"""Marking one's own in-app notifications as read (the only write on them; nothing to audit)."""
from __future__ import annotations

from typing import Optional

from app.commands.base import BaseCommand
from app.services import notifications


class MarkNotificationsRead(BaseCommand):
    action = "notification.read"
    target_type = "notification"
    audit = False

    def __init__(self, actor, notification_id: Optional[int] = None, *, session=None):
        super().__init__(actor, session=session)
        self.notification_id = notification_id

    def perform(self):
        return notifications.mark_read(self.session, self.actor.id, self.notification_id)
