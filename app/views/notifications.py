"""The in-app notifications (/notifications/): what the outbox mails, listed for its recipient, with mark-as-read;
the navbar shows the unread count (``unread_notifications`` in every template, app.registry)."""
from flask import g, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access

from app.api.base import METHOD_PERMISSIONS
from app.commands.notifications import MarkNotificationsRead
from app.extensions import db
from app.services import notifications
from app.views import formatting


class NotificationsView(BaseView):
    route_base = "/notifications"
    default_view = "index"
    class_permission_name = "Notification"
    method_permission_name = {**METHOD_PERMISSIONS, "index": "read", "read": "read", "read_all": "read"}

    @expose("/")
    @has_access
    def index(self):
        rows = notifications.of_user(db.session, g.user.id)
        return self.render_template("notifications/index.html", rows=rows, when=formatting.datetime_id)

    @expose("/<int:pk>/read", methods=["POST"])
    @has_access
    def read(self, pk):
        MarkNotificationsRead(g.user, pk).run()
        target = request.form.get("next") or ""
        # Our own paths only: browsers read "/\\host" like "//host" (another site).
        if target.startswith("/") and not target.startswith("//") and "\\" not in target and target.isprintable():
            return redirect(target)
        return redirect(url_for("NotificationsView.index"))

    @expose("/read", methods=["POST"])
    @has_access
    def read_all(self):
        MarkNotificationsRead(g.user).run()
        return redirect(url_for("NotificationsView.index"))


def unread_context():
    """``unread_notifications``: the signed-in user's unread count (0 for visitors), for the navbar badge."""
    user = getattr(g, "user", None)
    if user is None or not getattr(user, "is_authenticated", False):
        return {"unread_notifications": 0}
    try:
        return {"unread_notifications": notifications.unread_count(db.session, user.id)}
    except Exception:  # noqa: BLE001 - a badge never breaks a page (e.g. before migrations)
        db.session.rollback()
        return {"unread_notifications": 0}


