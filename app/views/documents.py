"""The official documents screen: decrees with their PDF, number and state, certificate progress (a bar that
follows the background job) and a button to issue missing certificates. Warns while the development
signing pair is in use."""
from flask import current_app, flash, g, redirect, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext as _

from app.api.base import METHOD_PERMISSIONS
from app.extensions import db
from app.models import Competition, Decree
from app.services import downloads
from app.services import readiness as decree_readiness
from app.services.documents import issuing, signing


class DocumentsView(BaseView):
    route_base = "/documents"
    default_view = "index"
    class_permission_name = "Decree"
    method_permission_name = {**METHOD_PERMISSIONS, "index": "read", "issue": "edit"}

    @expose("/")
    @has_access
    def index(self):
        rows = []
        for decree, competition in (db.session.query(Decree, Competition)
                                    .join(Competition, Decree.competition_id == Competition.id)
                                    .order_by(Decree.id.desc()).limit(200)):
            rows.append({"decree": decree, "competition": competition,
                         "progress": issuing.progress(db.session, decree.id) if decree.state != "draft" else None,
                         "winners": downloads.decree_winners(db.session, decree, g.user)
                         if decree.state != "draft" else []})
        readiness = []
        if self.appbuilder.sm.has_access("can_add", "Decree"):
            for competition in db.session.query(Competition).order_by(Competition.year.desc(),
                                                                      Competition.id.desc()).limit(3):
                readiness.append({"competition": competition,
                                  "state": decree_readiness.decree_readiness(db.session, competition)})
        from app.lifecycles import decree_workflow

        return self.render_template("documents/index.html", rows=rows, readiness=readiness, can_draft=bool(readiness),
                                    state_labels=decree_workflow.state_labels,
                                    dev_signer=signing.using_development_pair(current_app.config))

    @expose("/<int:pk>/issue", methods=["POST"])
    @has_access
    def issue(self, pk):
        from app import jobs

        decree = db.session.get(Decree, pk)
        if decree is None or decree.state != "signed":
            flash(_("Certificates are issued only for a signed decree."), "danger")
        else:
            jobs.request_certificates(decree.id)
            flash(_("Issuing the missing certificates has started."), "info")
        return redirect(url_for("DocumentsView.index"))
