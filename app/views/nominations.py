"""The Sekretariat's nomination screen (issue 12 item 8, DESIGN §11): per level, the quota used and left, the
nominated winners (withdraw, with confirmation), the winners still to nominate (tick and nominate) and the
downloads (SINOVIK XLSX, SINOVIK ZIP with the evidence files, IID profile). Thin: the same commands and exports as
``/api/v1/competition/<pk>/nominate`` and ``…/nominations/export`` (app/api/nominations.py); refusals are flashed.
"""
from flask import abort, flash, g, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext as _

from app.api.base import METHOD_PERMISSIONS
from app.api.nominations import export_params, export_response
from app.commands.nominations import Nominate, WithdrawNomination
from app.extensions import db
from app.models import Competition
from app.models.unit import UNIT_KIND_LABELS
from app.services import nominations
from app.services.errors import DomainError


class NominationView(BaseView):
    route_base = "/nominations"
    default_view = "index"
    class_permission_name = "Nomination"
    method_permission_name = {**METHOD_PERMISSIONS, "index": "read", "competition": "read", "export": "read",
                              "nominate": "add", "withdraw": "delete"}

    @expose("/")
    @has_access
    def index(self):
        competitions = db.session.query(Competition).order_by(Competition.year.desc(), Competition.id.desc()).all()
        return self.render_template("nominations/index.html", competitions=competitions)

    def _competition(self, competition_id):
        return db.session.get(Competition, competition_id) or abort(404)

    @expose("/<int:competition_id>/")
    @has_access
    def competition(self, competition_id):
        competition = self._competition(competition_id)
        winners = nominations.winners(db.session, competition.id)
        levels = []
        for level in nominations.NOMINATION_LEVELS:
            rows = nominations.nominated(db.session, competition.id, level)
            done = {inn.id for _n, inn, _u, _a in rows}
            levels.append({**nominations.summary(db.session, competition, level), "rows": rows,
                           "candidates": [(inn, award) for inn, award in winners if inn.id not in done]})
        return self.render_template("nominations/competition.html", competition=competition, levels=levels,
                                    winners=winners, winner_ids={inn.id for inn, _award in winners},
                                    kind_labels=UNIT_KIND_LABELS)

    @expose("/<int:competition_id>/nominate", methods=["POST"])
    @has_access
    def nominate(self, competition_id):
        self._competition(competition_id)
        level = request.form.get("level")
        raw = request.form.getlist("innovation_ids")
        ids = [int(v) for v in raw if v.isdigit() and len(v) < 10]
        if not ids:
            flash(_("Choose at least one innovation to nominate."), "warning")
        else:
            try:
                result = Nominate(g.user, competition_id, ids, level).run()
                flash(_("%(n)s innovations nominated to %(level)s (%(already)s already nominated).",
                        n=len(result["nominated"]), level=result["label"], already=len(result["already"])), "success")
            except DomainError as err:
                flash(err.message, "danger")
        return redirect(url_for("NominationView.competition", competition_id=competition_id))

    @expose("/<int:competition_id>/withdraw/<int:nomination_id>", methods=["POST"])
    @has_access
    def withdraw(self, competition_id, nomination_id):
        self._competition(competition_id)
        try:
            result = WithdrawNomination(g.user, competition_id, nomination_id).run()
            flash(_("Nomination withdrawn from %(level)s.", level=result["label"]), "success")
        except DomainError as err:
            if err.status == 404:
                abort(404)
            flash(err.message, "danger")
        return redirect(url_for("NominationView.competition", competition_id=competition_id))

    @expose("/<int:competition_id>/export")
    @has_access
    def export(self, competition_id):
        competition = self._competition(competition_id)
        try:
            level, fmt, archive = export_params(request.args)
            return export_response(competition, level, fmt, archive)
        except DomainError as err:
            flash(err.message, "danger")
            return redirect(url_for("NominationView.competition", competition_id=competition_id))
