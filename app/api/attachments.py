"""Attachment endpoints of the innovation API (DESIGN §4): upload, list, download, remove."""
from flask import g, request, send_file
from flask_appbuilder import expose
from flask_appbuilder.api import safe
from flask_appbuilder.security.decorators import permission_name, protect
from flask_babel import gettext as _

from app.api.base import error_response
from app.commands.proposals import AddAttachment, RemoveAttachment
from app.extensions import db
from app.models import Attachment
from app.services import attachments, storage
from app.services.errors import DomainError


class AttachmentEndpointsMixin:
    """Mixed into the innovation API: the row filter of the API decides who sees the files."""

    def _visible_innovation(self, pk):
        return self.datamodel.get(pk, self._base_filters)

    @expose("/<int:pk>/attachments", methods=["GET"])
    @protect()
    @safe
    @permission_name("get")
    def attachments(self, pk):
        """List the PDF attachments of an innovation.
        ---
        get:
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          responses:
            200:
              description: Attachments
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
                            id: {type: integer}
                            original_name: {type: string}
                            size_bytes: {type: integer}
                            sha256: {type: string}
                            kind: {type: string, nullable: true}
            401: {$ref: '#/components/responses/401'}
            404: {$ref: '#/components/responses/404'}
        """
        innovation = self._visible_innovation(pk)
        if innovation is None:
            return self.response_404()
        rows = db.session.query(Attachment).filter_by(innovation_id=pk).order_by(Attachment.id).all()
        return self.response(200, result=[attachments.as_dict(a) for a in rows])

    @expose("/<int:pk>/attachments", methods=["POST"])
    @protect()
    @safe
    @permission_name("put")
    def upload_attachment(self, pk):
        """Upload one PDF (multipart field `file`; `kind`: an evidence code of the competition, required when it
        defines any) to a draft of the user's own unit.
        ---
        post:
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          requestBody:
            required: true
            content:
              multipart/form-data:
                schema:
                  type: object
                  properties:
                    file: {type: string, format: binary}
                    kind: {type: string}
          responses:
            201:
              description: Stored
            400: {$ref: '#/components/responses/400'}
            401: {$ref: '#/components/responses/401'}
            403: {$ref: '#/components/responses/403'}
            404: {$ref: '#/components/responses/404'}
            409: {description: The innovation is not a draft}
            422: {$ref: '#/components/responses/422'}
            507: {description: The storage failed (full, read-only, unavailable); nothing was saved}
        """
        innovation = self._visible_innovation(pk)
        if innovation is None:
            return self.response_404()
        upload = request.files.get("file")
        if upload is None:
            return self.response_422(message={"file": [_("A file is required (multipart field \"file\").")]})
        try:
            attachment = AddAttachment(g.user, innovation, upload.filename, upload.read(),
                                       kind=request.form.get("kind")).run()
        except DomainError as err:
            return error_response(self, err)
        return self.response(201, result=attachments.as_dict(attachment), id=attachment.id)

    @expose("/<int:pk>/attachments/<int:attachment_id>", methods=["GET"])
    @protect()
    @safe
    @permission_name("get")
    def download_attachment(self, pk, attachment_id):
        """Download one attachment (only for those who may see the innovation).
        ---
        get:
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          - {in: path, name: attachment_id, required: true, schema: {type: integer}}
          responses:
            200:
              description: The PDF
              content:
                application/pdf: {}
            401: {$ref: '#/components/responses/401'}
            404: {$ref: '#/components/responses/404'}
            503: {description: The storage cannot be read now}
        """
        innovation = self._visible_innovation(pk)
        attachment = db.session.get(Attachment, attachment_id)
        if innovation is None or attachment is None or attachment.innovation_id != innovation.id:
            return self.response_404()
        try:
            stream = attachments.open_stream(attachment)
        except DomainError as err:  # the store failed: 503, never a 500
            return error_response(self, err)
        response = send_file(stream, mimetype="application/pdf", as_attachment=True,
                             download_name=attachment.original_name, max_age=0)
        # Streamed from the store in large chunks (no whole file in memory), with its length when known.
        response.response = storage.iter_chunks(stream)
        response.content_length = storage.stream_length(stream)
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response

    @expose("/<int:pk>/attachments/<int:attachment_id>", methods=["DELETE"])
    @protect()
    @safe
    @permission_name("put")
    def delete_attachment(self, pk, attachment_id):
        """Remove an attachment while the innovation is a draft.
        ---
        delete:
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          - {in: path, name: attachment_id, required: true, schema: {type: integer}}
          responses:
            200: {description: Removed}
            401: {$ref: '#/components/responses/401'}
            403: {$ref: '#/components/responses/403'}
            404: {$ref: '#/components/responses/404'}
            409: {description: The innovation is not a draft}
        """
        innovation = self._visible_innovation(pk)
        attachment = db.session.get(Attachment, attachment_id)
        if innovation is None or attachment is None or attachment.innovation_id != innovation.id:
            return self.response_404()
        try:
            RemoveAttachment(g.user, innovation, attachment).run()
        except DomainError as err:
            return error_response(self, err)
        return self.response(200, message="OK")
