"""The proposing unit's results page (/results/): rank and score per closed round, its award with the piagam, and
the jurors' comments without names where the competition enables feedback."""
from flask import g
from flask_appbuilder import BaseView, expose, has_access

from app.api.base import METHOD_PERMISSIONS
from app.extensions import db
from app.services import downloads, results
from app.services.innovations import STATE_LABELS


class ResultsView(BaseView):
    route_base = "/results"
    default_view = "index"
    class_permission_name = "Results"
    method_permission_name = {**METHOD_PERMISSIONS, "index": "read"}

    @expose("/")
    @has_access
    def index(self):
        rows = results.unit_results(db.session, g.user)
        return self.render_template("results/index.html", rows=rows, state_labels=STATE_LABELS,
                                    certificates=downloads.certificates_for(db.session, g.user,
                                                                                  [r["award"] for r in rows
                                                                                   if r["award"]]))
