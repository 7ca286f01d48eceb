"""Each role's home at ``/`` (DESIGN §9; FAB's IndexView replaced through ``FAB_INDEX_VIEW``): what awaits this user,
as ``<a data-todo="KIND">`` links, and the Sekretariat's dashboard (charts drawn as SVG on the server, with the
numbers beside them). Anonymous visitors see the login and the public pages."""
from flask import g, request
from flask_appbuilder import IndexView, expose

from app.extensions import db
from app.models import Competition
from app.services import access, homes, readiness, text_rules
from app.services.innovations import STATE_LABELS
from app.views import formatting


class HomeView(IndexView):
    index_template = "home/index.html"

    @expose("/")
    def index(self):
        self.update_redirect()
        user = g.user if getattr(g, "user", None) is not None and g.user.is_authenticated else None
        context = {"roles": set(), "when": formatting.datetime_id}  # the one formatting layer
        if user is not None:
            context.update(self._sections(user))
        return self.render_template(self.index_template, appbuilder=self.appbuilder, **context)

    def _sections(self, user):
        session = db.session
        roles = access.role_names(user)
        staff = bool(roles & {"Sekretariat", "Admin"})
        ctx = {"roles": roles, "staff": staff}
        if "OPD" in roles:
            ctx["opd"] = homes.opd_todos(session, user)
            ctx["opd_sustainability"] = homes.sustainability_todos(session, user)
            ctx["unit"] = homes.unit_of(session, user)
            ctx["opd_summary"] = homes.opd_summary(session, user)
            ctx["state_labels"] = STATE_LABELS
        if staff:
            ctx["verify"] = homes.verify_todos(session, user)
            ctx["open_rounds"] = homes.round_todos(session)
            ctx["objections"] = homes.objection_todos(session, user)
            ctx["decrees"] = homes.decree_draft_todos(session)
            raw = request.args.get("competition", "")
            competition = homes.current_competition(session, int(raw) if text_rules.is_digits(raw) and len(raw) < 10 else None)
            if competition is not None:
                figures = homes.dashboard(session, user, competition, STATE_LABELS,
                                          open_rounds=ctx["open_rounds"]["items"])
                ctx["figures"] = figures
                ctx["readiness"] = readiness.decree_readiness(session, competition)
                ctx["charts"] = {
                    "states": homes.bar_chart(figures["states"]),
                    "kinds": homes.bar_chart(figures["kinds"]),
                    "participation": homes.bar_chart([(p["label"], p["percent"]) for p in figures["participation"]]),
                    "jury": homes.bar_chart([(j["label"], j["percent"]) for j in figures["jury"]]),
                    "scores": homes.bar_chart(figures["scores"]["bins"]) if figures["scores"] else None,
                }
            ctx["sustainability"] = homes.sustainability_figure(session)
            ctx.setdefault("charts", {})["sustainability"] = homes.bar_chart(ctx["sustainability"]["counts"])
            ctx["competitions"] = session.query(Competition).order_by(Competition.year.desc(),
                                                                      Competition.id.desc()).all()
        if "Juri" in roles:
            ctx["sheets"] = homes.sheet_todos(session, user)
            ctx["sheets_done"] = homes.sheet_done_count(session, user)
        if "Penandatangan" in roles:
            ctx["sign"] = homes.sign_todos(session, user)
        paraf = homes.paraf_todos(session, user)
        if paraf or "Hukum" in roles:
            ctx["paraf"] = paraf
        return ctx
