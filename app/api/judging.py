"""Judging endpoints (DESIGN §4): assignment, score sheets, ranking, progress, reminders, closing rounds.

Thin: parse, run a command of app.commands.judging (writes) or read through app.services.judging /
app.services.ranking, map DomainErrors to 4xx answers. Permissions (app.security):
- ``Judging`` (Sekretariat): ``can_read`` ranking, progress and a closed round's berita acara (PDF),
  ``can_edit`` assign, remind and close;
- ``ScoreSheet``: ``can_read`` a sheet (a juror only its own: the assignment row filter), ``can_edit`` fill it
  in (only the assigned juror), ``can_recuse`` (juror, Sekretariat), ``can_reopen`` (Sekretariat);
- ``Assignment`` ``can_add``: reassign a recused assignment.
Both judging APIs share the URL space of the ``round`` and ``assignment`` resources.
"""
from flask import Response, current_app, g, request
from flask_appbuilder import expose
from flask_appbuilder.api import BaseApi, safe
from flask_appbuilder.security.decorators import permission_name, protect
from flask_babel import gettext as _
from sqlalchemy import select

from app.api import resources
from app.api.base import METHOD_PERMISSIONS, _is_pk, error_response, page_args
from app.commands import judging as commands
from app.commands.announcements import AnnounceRound
from app.extensions import db
from app.models import Assignment, Round
from app.services import access, exports, judging, ranking
from app.services.errors import DomainError


class JudgingBaseApi(BaseApi):
    allow_browser_login = True
    method_permission_name = {
        **METHOD_PERMISSIONS,
        "assign": "edit", "ranking": "read", "ranking_export": "read", "combined_ranking": "read", "progress": "read",
        "berita_acara": "read",
        "remind": "edit", "close": "edit", "announce": "edit",
        "get_scores": "read", "put_scores": "edit", "recuse": "recuse", "reopen": "reopen",
    }

    def create_blueprint(self, appbuilder, *args, **kwargs):
        blueprint = super().create_blueprint(appbuilder, *args, **kwargs)
        blueprint.before_request(self._reject_impossible_ids)
        return blueprint

    def _reject_impossible_ids(self):
        pk = (request.view_args or {}).get("pk")
        if pk is not None and not _is_pk(pk):
            return self.response_404()
        return None

    def _body(self):
        """The JSON object sent, or None (answer 400)."""
        if not request.data:
            return {}
        body = request.get_json(silent=True)
        return body if isinstance(body, dict) else None

    def _run(self, func, *args, status=200, **kwargs):
        """``func`` runs a command (it owns the transaction); a refusal is a 4xx answer."""
        try:
            return self.response(status, **func(*args, **kwargs))
        except DomainError as err:
            return error_response(self, err)


def _bad_body(api):
    return api.response_400(message=_("The request body must be a JSON object"))


class RoundJudgingApi(JudgingBaseApi):
    """/api/v1/round/<pk>/… judging endpoints of the Sekretariat."""

    resource_name = "round"
    class_permission_name = "Judging"
    openapi_spec_tag = "Judging"

    def _round(self, pk):
        return db.session.get(Round, pk)

    @expose("/<int:pk>/assign", methods=["POST"])
    @protect()
    @safe
    @permission_name("assign")
    def assign(self, pk):
        """Assign jurors automatically: balanced loads, never a juror of the innovation's own unit.
        ---
        post:
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          requestBody:
            content:
              application/json:
                schema:
                  type: object
                  required: [jurors_per_innovation]
                  properties:
                    jurors_per_innovation: {type: integer, minimum: 1}
                    juror_ids: {type: array, items: {type: integer}}
          responses:
            200: {description: 'Created assignments and the resulting juror loads'}
            400: {$ref: '#/components/responses/400'}
            401: {$ref: '#/components/responses/401'}
            403: {$ref: '#/components/responses/403'}
            404: {$ref: '#/components/responses/404'}
            409: {description: Round closed or no participant}
            422: {description: Bad number or not enough eligible jurors}
        """
        rnd = self._round(pk)
        if rnd is None:
            return self.response_404()
        body = self._body()
        if body is None:
            return _bad_body(self)
        return self._run(lambda: commands.AutoAssign(g.user, pk, body.get("jurors_per_innovation"),
                                                     body.get("juror_ids")).run())

    @expose("/<int:pk>/ranking", methods=["GET"])
    @protect()
    @safe
    @permission_name("ranking")
    def ranking(self, pk):
        """Ranking of the round per group × category (DESIGN §4 scoring rule, §11 groups; deterministic tie-break).
        ---
        get:
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          - {in: query, name: page, required: false, schema: {type: integer, minimum: 0}}
          - {in: query, name: page_size, required: false, schema: {type: integer, minimum: 1, maximum: 1000}}
          responses:
            200:
              description: Ranking (every row without paging arguments; one page and the total count with them)
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      result:
                        type: array
                        items:
                          type: object
                          properties:
                            innovation_id: {type: integer}
                            title: {type: string}
                            unit: {type: string}
                            group: {type: string}
                            category: {type: string}
                            score: {type: number}
                            rank: {type: integer}
            401: {$ref: '#/components/responses/401'}
            403: {$ref: '#/components/responses/403'}
            404: {$ref: '#/components/responses/404'}
        """
        rnd = self._round(pk)
        if rnd is None:
            return self.response_404()
        paging = page_args()
        if isinstance(paging, str):
            return self.response_400(message=paging)
        page, page_size = paging
        rows = ranking.round_ranking(db.session, rnd, page=page, page_size=page_size)
        # Without paging arguments every row, as before (count = len); with them one page and the total.
        count = len(rows) if page_size is None else ranking.round_ranking_count(db.session, rnd)
        extra = {} if page_size is None else {"page": page, "page_size": page_size}
        return self.response(200, result=rows, count=count, normalize_z=rnd.normalize_z,
                             tie_break=["score", "sheets", "lowest_sheet", "innovation_id"], **extra)

    @expose("/<int:pk>/ranking/export", methods=["GET"])
    @protect()
    @safe
    @permission_name("ranking_export")
    def ranking_export(self, pk):
        """The round's ranking as a spreadsheet: sheet "Peringkat" (per category: rank, innovation, unit,
        category, score, final sheets) and sheet "Rincian" (per final sheet: juror, each criterion's value,
        sheet score, comment).
        ---
        get:
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          responses:
            200:
              description: XLSX workbook
              content:
                application/vnd.openxmlformats-officedocument.spreadsheetml.sheet:
                  schema: {type: string, format: binary}
            401: {$ref: '#/components/responses/401'}
            403: {$ref: '#/components/responses/403'}
            404: {$ref: '#/components/responses/404'}
        """
        rnd = self._round(pk)
        if rnd is None:
            return self.response_404()
        return Response(exports.ranking_workbook(db.session, rnd), mimetype=exports.XLSX_MIMETYPE, headers={
            "Content-Disposition": f'attachment; filename="{exports.ranking_filename(rnd)}"'})

    @expose("/<int:pk>/combined_ranking", methods=["GET"])
    @protect()
    @safe
    @permission_name("combined_ranking")
    def combined_ranking(self, pk):
        """Ranking combining the competition's rounds up to this one by their weights (the final ranking
        for awards when asked for the last round).
        ---
        get:
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          responses:
            200: {description: Combined ranking}
            401: {$ref: '#/components/responses/401'}
            403: {$ref: '#/components/responses/403'}
            404: {$ref: '#/components/responses/404'}
        """
        rnd = self._round(pk)
        if rnd is None:
            return self.response_404()
        return self.response(200, result=ranking.combined_ranking(db.session, rnd))

    @expose("/<int:pk>/berita_acara", methods=["GET"])
    @protect()
    @safe
    @permission_name("berita_acara")
    def berita_acara(self, pk):
        """The berita acara of a closed round (PDF): round, criteria with weights, jurors, ranking per category and
        a place for the jurors' signatures. The decree's Menimbang cites its number and date.
        ---
        get:
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          responses:
            200:
              description: The berita acara
              content:
                application/pdf: {schema: {type: string, format: binary}}
            401: {$ref: '#/components/responses/401'}
            403: {$ref: '#/components/responses/403'}
            404: {$ref: '#/components/responses/404'}
            409: {description: The round is not closed yet}
        """
        from app.services.documents import berita_acara

        rnd = self._round(pk)
        if rnd is None:
            return self.response_404()
        filename = f"berita-acara-tahap-{rnd.sequence}-{rnd.competition_id}.pdf"
        try:
            data = berita_acara.render(db.session, rnd, current_app.config)
        except DomainError as err:
            return error_response(self, err)
        finally:
            db.session.rollback()
        response = Response(data, mimetype="application/pdf", headers={
            "Content-Disposition": f'inline; filename="{filename}"',
            "Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"})
        return response

    @expose("/<int:pk>/progress", methods=["GET"])
    @protect()
    @safe
    @permission_name("progress")
    def progress(self, pk):
        """Judging progress per juror (assigned, drafted, final, not started, recused); with ``page``/``page_size``
        one page of jurors, ``juror_count`` and the totals over all of them.
        ---
        get:
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          - {in: query, name: page, required: false, schema: {type: integer, minimum: 0}}
          - {in: query, name: page_size, required: false, schema: {type: integer, minimum: 1, maximum: 1000}}
          responses:
            200: {description: Progress}
            401: {$ref: '#/components/responses/401'}
            403: {$ref: '#/components/responses/403'}
            404: {$ref: '#/components/responses/404'}
        """
        rnd = self._round(pk)
        if rnd is None:
            return self.response_404()
        paging = page_args()
        if isinstance(paging, str):
            return self.response_400(message=paging)
        page, page_size = paging
        return self.response(200, **judging.progress(db.session, rnd, page=page, page_size=page_size))

    @expose("/<int:pk>/remind", methods=["POST"])
    @protect()
    @safe
    @permission_name("remind")
    def remind(self, pk):
        """Remind the jurors whose sheets are not all final (mail when configured; always logged).
        ---
        post:
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          requestBody:
            content:
              application/json:
                schema:
                  type: object
                  properties:
                    juror_ids: {type: array, items: {type: integer}}
          responses:
            200: {description: Reminded jurors}
            401: {$ref: '#/components/responses/401'}
            403: {$ref: '#/components/responses/403'}
            404: {$ref: '#/components/responses/404'}
        """
        rnd = self._round(pk)
        if rnd is None:
            return self.response_404()
        body = self._body()
        if body is None:
            return _bad_body(self)
        return self._run(lambda: {"result": commands.RemindJurors(g.user, pk, body.get("juror_ids")).run()})

    @expose("/<int:pk>/close", methods=["POST"])
    @protect()
    @safe
    @permission_name("close")
    def close(self, pk):
        """Close the round: per group × category the top `shortlist_size` (or the category's quota) at or above
        the round's `pass_mark` advance, the others are scored.
        ---
        post:
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          responses:
            200: {description: Advanced and scored innovations}
            401: {$ref: '#/components/responses/401'}
            403: {$ref: '#/components/responses/403'}
            404: {$ref: '#/components/responses/404'}
            409: {description: Already closed, or innovations not fully scored}
        """
        rnd = self._round(pk)
        if rnd is None:
            return self.response_404()
        return self._run(lambda: commands.CloseRound(g.user, pk).run())

    @expose("/<int:pk>/announce", methods=["POST"])
    @protect()
    @safe
    @permission_name("announce")
    def announce(self, pk):
        """Announce the closed round's provisional results on /pengumuman/ and open the objection window (once).
        ---
        post:
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          responses:
            201:
              description: The announcement
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      id: {type: integer}
                      round_id: {type: integer}
                      announced_at: {type: string, format: date-time}
                      objection_until: {type: string, format: date-time}
                      innovations: {type: integer}
            401: {$ref: '#/components/responses/401'}
            403: {$ref: '#/components/responses/403'}
            404: {$ref: '#/components/responses/404'}
            409: {description: The round is not closed, or its results were announced already}
        """
        if self._round(pk) is None:
            return self.response_404()
        return self._run(lambda: AnnounceRound(g.user, pk).run(), status=201)


class ScoreSheetApi(JudgingBaseApi):
    """/api/v1/assignment/<pk>/scores …: the juror's score sheet."""

    resource_name = "assignment"
    class_permission_name = "ScoreSheet"
    openapi_spec_tag = "Score sheets"

    def _visible(self, pk):
        return db.session.execute(select(Assignment).where(
            Assignment.id == pk, access.assignment_criterion(g.user))).scalar_one_or_none()

    def _with_reason(self, pk, command, answer):
        """A visible assignment, a JSON body with its ``reason``, one command (recuse, reopen)."""
        if self._visible(pk) is None:
            return self.response_404()
        body = self._body()
        if body is None:
            return _bad_body(self)
        return self._run(lambda: answer(command(g.user, pk, body.get("reason")).run()))

    def _sheet(self, assignment):
        hide = assignment.round.blind and judging.is_blind_juror(g.user)
        return judging.sheet_as_dict(db.session, assignment, hide_unit=hide)

    @expose("/<int:pk>/scores", methods=["GET"])
    @protect()
    @safe
    @permission_name("get_scores")
    def get_scores(self, pk):
        """A score sheet (a juror: only its own).
        ---
        get:
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          responses:
            200: {description: The sheet with every criterion of the round}
            401: {$ref: '#/components/responses/401'}
            403: {$ref: '#/components/responses/403'}
            404: {$ref: '#/components/responses/404'}
        """
        assignment = self._visible(pk)
        if assignment is None:
            return self.response_404()
        return self.response(200, result=self._sheet(assignment))

    @expose("/<int:pk>/scores", methods=["PUT"])
    @protect()
    @safe
    @permission_name("put_scores")
    def put_scores(self, pk):
        """Fill in the score sheet (the assigned juror only); `final: true` locks it.
        ---
        put:
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          requestBody:
            content:
              application/json:
                schema:
                  type: object
                  properties:
                    scores:
                      type: array
                      items:
                        type: object
                        properties:
                          criterion_id: {type: integer}
                          value: {type: number}
                    comment: {type: string}
                    final: {type: boolean}
          responses:
            200: {description: The saved sheet}
            400: {$ref: '#/components/responses/400'}
            401: {$ref: '#/components/responses/401'}
            403: {$ref: '#/components/responses/403'}
            404: {$ref: '#/components/responses/404'}
            409: {description: The sheet is final, the assignment recused or the round closed}
            422: {description: A value outside 0..max_score, an unknown criterion, or one missing when final}
        """
        if self._visible(pk) is None:
            return self.response_404()
        body = self._body()
        if body is None:
            return _bad_body(self)

        def save():
            assignment = commands.SaveScoreSheet(g.user, pk, body.get("scores"), body.get("comment"),
                                                 body.get("final", False)).run()
            return {"result": self._sheet(assignment)}

        return self._run(save)

    @expose("/<int:pk>/recuse", methods=["POST"])
    @protect()
    @safe
    @permission_name("recuse")
    def recuse(self, pk):
        """Declare a conflict of interest on an assignment (logged); the Sekretariat then reassigns it.
        ---
        post:
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          requestBody:
            content:
              application/json:
                schema: {type: object, required: [reason], properties: {reason: {type: string}}}
          responses:
            200: {description: Recused}
            401: {$ref: '#/components/responses/401'}
            403: {$ref: '#/components/responses/403'}
            404: {$ref: '#/components/responses/404'}
            409: {description: Already recused, sheet final or round closed}
            422: {description: Reason missing}
        """
        return self._with_reason(pk, commands.Recuse, lambda a: {"id": a.id, "status": a.status})

    @expose("/<int:pk>/scores/reopen", methods=["POST"])
    @protect()
    @safe
    @permission_name("reopen")
    def reopen(self, pk):
        """Reopen a final score sheet (Sekretariat), with the reason logged.
        ---
        post:
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          requestBody:
            content:
              application/json:
                schema: {type: object, required: [reason], properties: {reason: {type: string}}}
          responses:
            200: {description: Reopened}
            401: {$ref: '#/components/responses/401'}
            403: {$ref: '#/components/responses/403'}
            404: {$ref: '#/components/responses/404'}
            409: {description: Not final or round closed}
            422: {description: Reason missing}
        """
        return self._with_reason(pk, commands.ReopenScoreSheet,
                                 lambda a: {"result": judging.sheet_as_dict(db.session, a)})


class RoundApi(resources.RoundApi):
    """The `round` CRUD API through the round commands (app.commands.judging): the fields that change
    rankings (weight, z-score option, blind, order) are frozen once the round has a score sheet, like its
    criteria; the name and shortlist size stay editable until the round is closed; a round with sheets
    cannot be deleted. The bounds are the commands' (the same on the screens)."""


class AssignmentApi(resources.AssignmentApi):
    """The `assignment` CRUD API (through the assignment commands) plus reassigning a recused assignment.
    An assignment with a score sheet or a recused one is neither moved to another juror nor deleted
    (recusal and reopening are logged instead); nothing is assigned in a closed round; the juror is never
    one of the innovation's own unit."""

    method_permission_name = {**METHOD_PERMISSIONS, "reassign": "add"}

    @expose("/<int:pk>/reassign", methods=["POST"])
    @protect()
    @safe
    @permission_name("reassign")
    def reassign(self, pk):
        """Give a recused assignment's innovation to another juror (given, or the least loaded eligible one).
        ---
        post:
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          requestBody:
            content:
              application/json:
                schema: {type: object, properties: {juror_id: {type: integer}}}
          responses:
            201: {description: The new assignment}
            401: {$ref: '#/components/responses/401'}
            403: {$ref: '#/components/responses/403'}
            404: {$ref: '#/components/responses/404'}
            409: {description: Not recused, or round closed}
            422: {description: No eligible juror}
        """
        if self.datamodel.get(pk, self._base_filters) is None:
            return self.response_404()
        body = request.get_json(silent=True) if request.data else {}
        if not isinstance(body, dict):
            return _bad_body(self)
        try:
            new = commands.Reassign(g.user, pk, body.get("juror_id")).run()
        except DomainError as err:
            return error_response(self, err)
        return self.response(201, id=new.id, result={"id": new.id, "round_id": new.round_id,
                                                     "innovation_id": new.innovation_id, "juror_id": new.juror_id,
                                                     "status": new.status})


# -- blind review on the innovation API ------------------------------------------------------------------

class BlindReviewApiMixin:
    """For a juror assigned to an innovation in a blind round: ``unit_id`` reads as null, the history hides
    who acted and their comments, and filtering or ordering by unit is refused."""

    def pre_get(self, data):
        super().pre_get(data)
        result = data.get("result")
        if isinstance(result, dict) and "unit_id" in result:
            if judging.blind_innovation_ids(db.session, g.user, [data.get("id")]):
                result["unit_id"] = None

    def pre_get_list(self, data):
        super().pre_get_list(data)
        rows, ids = data.get("result") or [], data.get("ids") or []
        hidden = judging.blind_innovation_ids(db.session, g.user, ids)
        if hidden:
            for row, pk in zip(rows, ids):
                if pk in hidden and "unit_id" in row:
                    row["unit_id"] = None

    def get_list_headless(self, **kwargs):
        args = kwargs.get("rison") or {}
        uses_unit = (args.get("order_column") == "unit_id"
                     or any(isinstance(f, dict) and f.get("col") in ("unit_id", "unit")
                            for f in args.get("filters") or []))
        if uses_unit and judging.has_blind_assignments(db.session, g.user):
            return self.response_400(message=_("Filtering or ordering by unit is not available in blind review."))
        return super().get_list_headless(**kwargs)

    def create_blueprint(self, appbuilder, *args, **kwargs):
        blueprint = super().create_blueprint(appbuilder, *args, **kwargs)
        blueprint.after_request(self._blind_history)
        return blueprint

    def _blind_history(self, response):
        if (request.endpoint or "").endswith(".history") and response.status_code == 200 and response.is_json:
            pk = (request.view_args or {}).get("pk")
            if judging.blind_innovation_ids(db.session, g.user, [pk]):
                body = response.get_json()
                for row in body.get("result") or []:
                    row["user"] = None
                    row["comment"] = None
                    row["data"] = None
                response.set_data(self.response(200, **body).get_data())
        return response


def with_blind_review(api_class):
    """``api_class`` (the innovation API) with blind review; same class name, so same endpoints and URLs."""
    return type(api_class.__name__, (BlindReviewApiMixin, api_class), {"__module__": __name__})
