"""Participation screen, XLSX export and JSON API (Sekretariat: every unit; OPD: its own line)."""
from flask import Response, abort, g, request
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.api import BaseApi, safe
from flask_appbuilder.security.decorators import permission_name, protect

from app.api.base import METHOD_PERMISSIONS, page_args
from app.extensions import db
from app.lifecycles import INNOVATION_STATE_LABELS
from app.models import INNOVATION_STATES, UNIT_KINDS, Competition
from app.models.unit import UNIT_KIND_LABELS
from app.services import participation
from app.views.paging import SCREEN_PAGE_SIZE, pager, screen_page

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _kind_arg():
    kind = request.args.get("kind") or None
    return kind if kind in UNIT_KINDS else None


class ParticipationView(BaseView):
    route_base = "/participation"
    default_view = "index"
    class_permission_name = "Participation"
    method_permission_name = {**METHOD_PERMISSIONS, "index": "read", "competition": "read", "export": "read"}

    @expose("/")
    @has_access
    def index(self):
        competitions = db.session.query(Competition).order_by(Competition.year.desc(), Competition.id.desc()).all()
        return self.render_template("participation/index.html", competitions=competitions)

    @expose("/<int:competition_id>/")
    @has_access
    def competition(self, competition_id):
        competition = db.session.get(Competition, competition_id) or abort(404)
        kind = _kind_arg()
        page = screen_page()
        result = participation.rows(db.session, competition_id, g.user, kind, page=page, page_size=SCREEN_PAGE_SIZE)
        count = participation.unit_count(db.session, g.user, kind)
        return self.render_template(
            "participation/competition.html", competition=competition, rows=result, kind=kind,
            summary=participation.summary_of(db.session, competition_id, g.user, kind), states=INNOVATION_STATES,
            state_labels=INNOVATION_STATE_LABELS, kinds=UNIT_KINDS, kind_labels=UNIT_KIND_LABELS,
            pager=pager(page, count, SCREEN_PAGE_SIZE))

    @expose("/<int:competition_id>/export.xlsx")
    @has_access
    def export(self, competition_id):
        competition = db.session.get(Competition, competition_id) or abort(404)
        result = participation.rows(db.session, competition_id, g.user, _kind_arg())
        data = participation.to_xlsx(result, competition, INNOVATION_STATE_LABELS)
        return Response(data, mimetype=XLSX, headers={
            "Content-Disposition": f'attachment; filename="partisipasi-{competition_id}.xlsx"'})


class ParticipationApi(BaseApi):
    resource_name = "participation"
    class_permission_name = "Participation"
    method_permission_name = {"get": "read"}
    allow_browser_login = True

    @expose("/<int:competition_id>", methods=["GET"])
    @protect()
    @safe
    @permission_name("get")
    def get(self, competition_id):
        """Every unit's proposals per state in a competition (an OPD sees only its own unit).
        ---
        get:
          parameters:
          - {in: path, name: competition_id, required: true, schema: {type: integer}}
          - {in: query, name: kind, required: false, schema: {type: string}}
          - {in: query, name: page, required: false, schema: {type: integer, minimum: 0}}
          - {in: query, name: page_size, required: false, schema: {type: integer, minimum: 1, maximum: 1000}}
          responses:
            200:
              description: One row per unit
            401: {$ref: '#/components/responses/401'}
            404: {$ref: '#/components/responses/404'}
        """
        if db.session.get(Competition, competition_id) is None:
            return self.response_404()
        paging = page_args()
        if isinstance(paging, str):
            return self.response_400(message=paging)
        page, page_size = paging
        kind = _kind_arg()
        result = participation.rows(db.session, competition_id, g.user, kind, page=page, page_size=page_size)
        if page_size is None:  # every unit, as before paging existed
            return self.response(200, result=result, summary=participation.summary(result), count=len(result))
        return self.response(200, result=result, count=participation.unit_count(db.session, g.user, kind),
                             page=page, page_size=page_size)
