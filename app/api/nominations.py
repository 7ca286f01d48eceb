"""Nomination upward (issue 12 item 8, DESIGN §11), in the URL space of the ``competition`` resource.

- ``POST /api/v1/competition/<pk>/nominate`` ``{"innovation_ids": [...], "level": "provinsi"|"nasional"}`` → 200
  with the level's figures and nominations; 409 beyond the quota; 422 for a non-winner or a bad level.
- ``GET /api/v1/competition/<pk>/nominations?level=…`` → the figures and nominations of one level (or every level).
- ``DELETE /api/v1/competition/<pk>/nominations/<nomination_id>`` → withdraw one nomination.
- ``GET /api/v1/competition/<pk>/nominations/export?level=…&format=sinovik|iid[&archive=zip]`` → XLSX (or ZIP).

Permissions (app.security): ``Nomination`` ``can_read`` (lists, exports), ``can_add`` (nominate), ``can_delete``
(withdraw): the Sekretariat's; the commands check the role again. Thin: parse, run a command of
app.commands.nominations or read through app.services.nominations / nomination_exports, map DomainErrors.
"""
from flask import Response, g, request, send_file
from flask_appbuilder import expose
from flask_appbuilder.api import safe
from flask_appbuilder.security.decorators import permission_name, protect
from flask_babel import gettext as _

from app.api.base import error_response
from app.api.judging import JudgingBaseApi, _bad_body
from app.commands.nominations import Nominate, WithdrawNomination
from app.extensions import db
from app.services import attachments, nomination_exports, nominations
from app.services.errors import DomainError, Invalid
from app.services.exports import XLSX_MIMETYPE


def export_params(args):
    """(level or None, format, archive) of an export request; Invalid (422) for an unknown value."""
    level = args.get("level") or None
    if level is not None:
        nominations.check_level(level)
    fmt = args.get("format") or "sinovik"
    if fmt not in nomination_exports.FORMATS:
        raise Invalid(_("The format must be one of: %(formats)s.", formats=", ".join(nomination_exports.FORMATS)),
                      field="format")
    archive = args.get("archive") or None
    if archive not in (None, "zip") or (archive and fmt != "sinovik"):
        raise Invalid(_("Only the sinovik format has an archive (archive=zip)."), field="archive")
    return level, fmt, archive == "zip"


def export_response(competition, level, fmt, archive):
    """The export as a download (shared by the API and the nomination screen)."""
    name = nomination_exports.filename(competition, level, fmt, archive)
    if archive:
        spool = nomination_exports.sinovik_zip(db.session, competition, level, attachments.open_stream)
        return send_file(spool, mimetype="application/zip", as_attachment=True, download_name=name, max_age=0)
    build = nomination_exports.sinovik_workbook if fmt == "sinovik" else nomination_exports.iid_workbook
    data = build(db.session, competition, level)
    return Response(data, mimetype=XLSX_MIMETYPE, headers={"Content-Disposition": f'attachment; filename="{name}"',
                                                           "Cache-Control": "no-store"})


class NominationApi(JudgingBaseApi):
    resource_name = "competition"
    class_permission_name = "Nomination"
    openapi_spec_tag = "Nomination"
    method_permission_name = {"nominate": "add", "list_nominations": "read", "withdraw": "delete", "export": "read"}

    @expose("/<int:pk>/nominate", methods=["POST"])
    @protect()
    @safe
    @permission_name("nominate")
    def nominate(self, pk):
        """Nominate winners of the competition to the provincial or national competition, within its quota.
        ---
        post:
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          requestBody:
            content:
              application/json:
                schema:
                  type: object
                  required: [innovation_ids, level]
                  properties:
                    innovation_ids: {type: array, items: {type: integer}}
                    level: {type: string, enum: [provinsi, nasional]}
          responses:
            200: {description: "The level's quota, used, left, the new and already nominated ids, its nominations"}
            400: {$ref: '#/components/responses/400'}
            401: {$ref: '#/components/responses/401'}
            403: {$ref: '#/components/responses/403'}
            404: {$ref: '#/components/responses/404'}
            409: {description: Beyond the level's nomination quota}
            422: {description: Not a winner of the competition, or a bad level}
        """
        body = self._body()
        if body is None:
            return _bad_body(self)
        return self._run(lambda: Nominate(g.user, pk, body.get("innovation_ids"), body.get("level")).run())

    @expose("/<int:pk>/nominations", methods=["GET"])
    @protect()
    @safe
    @permission_name("list_nominations")
    def list_nominations(self, pk):
        """The competition's nominations with each level's quota, used and left.
        ---
        get:
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          - {in: query, name: level, required: false, schema: {type: string, enum: [provinsi, nasional]}}
          responses:
            200: {description: "{\\"levels\\": [{level, quota, used, left, result}]}"}
            401: {$ref: '#/components/responses/401'}
            403: {$ref: '#/components/responses/403'}
            404: {$ref: '#/components/responses/404'}
            422: {description: Unknown level}
        """
        try:
            competition = nominations.get_competition(db.session, pk)
            level = request.args.get("level") or None
            levels = [nominations.check_level(level)] if level else list(nominations.NOMINATION_LEVELS)
        except DomainError as err:
            return error_response(self, err)
        return self.response(200, levels=[nominations.result(db.session, competition, lv) for lv in levels])

    @expose("/<int:pk>/nominations/<int:nomination_id>", methods=["DELETE"])
    @protect()
    @safe
    @permission_name("withdraw")
    def withdraw(self, pk, nomination_id):
        """Withdraw a nomination (recorded in the audit log).
        ---
        delete:
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          - {in: path, name: nomination_id, required: true, schema: {type: integer}}
          responses:
            200: {description: "The level's figures and remaining nominations"}
            401: {$ref: '#/components/responses/401'}
            403: {$ref: '#/components/responses/403'}
            404: {$ref: '#/components/responses/404'}
        """
        return self._run(lambda: WithdrawNomination(g.user, pk, nomination_id).run())

    @expose("/<int:pk>/nominations/export", methods=["GET"])
    @protect()
    @safe
    @permission_name("export")
    def export(self, pk):
        """The nominations as XLSX in SINOVIK's proposal structure or as IID profiles (docs/nomination.md);
        ``format=sinovik&archive=zip`` adds each innovation's evidence files.
        ---
        get:
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          - {in: query, name: level, required: false, schema: {type: string, enum: [provinsi, nasional]}}
          - {in: query, name: format, required: false, schema: {type: string, enum: [sinovik, iid]}}
          - {in: query, name: archive, required: false, schema: {type: string, enum: [zip]}}
          responses:
            200:
              description: The workbook (or the ZIP)
              content:
                application/vnd.openxmlformats-officedocument.spreadsheetml.sheet: {}
                application/zip: {}
            401: {$ref: '#/components/responses/401'}
            403: {$ref: '#/components/responses/403'}
            404: {$ref: '#/components/responses/404'}
            422: {description: Unknown level, format or archive}
            503: {description: The storage cannot be read now}
        """
        try:
            competition = nominations.get_competition(db.session, pk)
            level, fmt, archive = export_params(request.args)
            return export_response(competition, level, fmt, archive)
        except DomainError as err:
            return error_response(self, err)
