"""Document endpoints of DESIGN §4 on the ``decree`` and ``award`` resources. Thin: authorise, call a service.

- ``GET /api/v1/decree/<pk>/pdf``: a draft is rendered on the fly (DRAF mark, no signature); a signed or
  revoked decree is the stored signed file, byte for byte. ``?variant=salinan``: the SALINAN of a signed decree
  (copy for distribution and the JDIH: "ttd.", "Salinan sesuai dengan aslinya" and the Kepala Bagian Hukum),
  rendered when asked and unsigned; 409 for a decree that is not signed, 400 for an unknown variant.
- ``GET /api/v1/decree/<pk>/certificates``: progress of its certificates; ``POST`` issues the missing ones
  (queued; 202).
- ``GET /api/v1/award/<pk>/certificate``: the Piagam Penghargaan (202 + Retry-After while being issued).
  Who may: ``can_certificate`` on ``Award`` — Sekretariat, Penandatangan (all awards) and OPD (only its own
  unit's awards: the certificate is the unit's to print; anything else is a 404, as if it did not exist).
"""
from flask import current_app, g, make_response, request
from flask_appbuilder import expose
from flask_appbuilder.api import safe
from flask_appbuilder.security.decorators import permission_name, protect
from flask_babel import gettext as _

from app.api.resources import AwardApi
from app.api.workflow_apis import DecreeApi
from app.extensions import db
from app.services import access, storage
from app.services.documents import content, issuing
from app.services.errors import Conflict
from app.services.storage import StorageError

RETRY_AFTER_SECONDS = 5


def pdf_response(data, filename, etag=None, cache="private, no-store"):
    response = make_response(data)
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.headers["Cache-Control"] = cache
    response.headers["X-Content-Type-Options"] = "nosniff"
    if etag:
        response.set_etag(etag)
    return response


def may_see_award(user, award):
    """Row rule of the certificate (written once: :func:`app.services.access.may_see_award`)."""
    return access.may_see_award(user, award)


def stored_pdf_response(api, config, doc, filename):
    """A stored document as a PDF answer, streamed from the store (no whole file in memory); a failing store
    answers 503 with its message, never a 500."""
    try:
        stream = issuing.open_stored(config, doc)
    except StorageError as err:
        return api.response(err.status, message=err.message)
    response = pdf_response(storage.iter_chunks(stream), filename, etag=doc.sha256,
                            cache="private, max-age=0, must-revalidate")
    response.content_length = storage.stream_length(stream)
    return response


class DecreeDocumentsApi(DecreeApi):
    """The decree API: drafts through the decree commands (app.commands.decrees, via DecreeCrudApi: only a
    draft is editable), the lifecycle through its transitions, and the documents below."""

    @expose("/<int:pk>/pdf", methods=["GET"])
    @protect()
    @safe
    @permission_name("pdf")
    def pdf(self, pk):
        """The decree as PDF: a draft rendered now (DRAF), a signed one exactly as stored; ``variant=salinan``
        the SALINAN of a signed decree.
        ---
        get:
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          - {in: query, name: variant, required: false, schema: {type: string, enum: [asli, salinan]}}
          responses:
            200:
              description: The PDF
              content:
                application/pdf: {schema: {type: string, format: binary}}
            400: {$ref: '#/components/responses/400'}
            401: {$ref: '#/components/responses/401'}
            403: {$ref: '#/components/responses/403'}
            404: {$ref: '#/components/responses/404'}
            409: {description: A SALINAN of a decree that is not signed}
        """
        variant = request.args.get("variant", "asli")
        if variant not in content.VARIANTS:
            return self.response_400(message=_("Unknown variant: use asli or salinan."))
        decree = self.datamodel.get(pk, self._base_filters)
        if decree is None:
            return self.response_404()
        config = current_app.config
        if variant == "salinan":
            try:
                data = issuing.render_salinan(db.session, decree, config)
            except Conflict as err:
                return self.response(409, message=str(err))
            finally:
                db.session.rollback()
            return pdf_response(data, f"salinan-keputusan-{pk}.pdf")
        if decree.state == "draft":
            data = issuing.render_draft_decree(db.session, decree, config)
            db.session.rollback()
            return pdf_response(data, f"draf-keputusan-{decree.id}.pdf")
        doc = issuing.decree_document(db.session, decree.id)
        if doc is None:
            return self.response_404()
        return stored_pdf_response(self, config, doc, f"keputusan-{decree.id}.pdf")

    @expose("/<int:pk>/certificates", methods=["GET"])
    @protect()
    @safe
    @permission_name("certificates")
    def certificates(self, pk):
        """Progress of the decree's certificates.
        ---
        get:
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          responses:
            200:
              description: total, issued, missing, done
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      decree_id: {type: integer}
                      state: {type: string}
                      total: {type: integer}
                      issued: {type: integer}
                      missing: {type: integer}
                      done: {type: boolean}
            404: {$ref: '#/components/responses/404'}
        """
        decree = self.datamodel.get(pk, self._base_filters)
        if decree is None:
            return self.response_404()
        return self.response(200, **issuing.progress(db.session, decree.id))

    @expose("/<int:pk>/certificates", methods=["POST"])
    @protect()
    @safe
    @permission_name("issue_certificates")
    def issue_certificates(self, pk):
        """Issue the decree's missing certificates (a background job; rerunning completes only what is missing).
        ---
        post:
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          responses:
            202: {description: Queued; poll GET for progress}
            404: {$ref: '#/components/responses/404'}
            409: {description: The decree is not signed}
        """
        from app import jobs

        decree = self.datamodel.get(pk, self._base_filters)
        if decree is None:
            return self.response_404()
        if decree.state != "signed":
            return self.response(409, message=_("Certificates are issued only for a signed decree."))
        jobs.request_certificates(decree.id)
        response = self.response(202, **issuing.progress(db.session, decree.id))
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response


class AwardDocumentsApi(AwardApi):
    include_route_methods = AwardApi.include_route_methods | {"certificate"}

    @expose("/<int:pk>/certificate", methods=["GET"])
    @protect()
    @safe
    @permission_name("certificate")
    def certificate(self, pk):
        """The award's Piagam Penghargaan (signed PDF), once its decree is signed.
        ---
        get:
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          responses:
            200:
              description: The signed certificate
              content:
                application/pdf: {schema: {type: string, format: binary}}
            202: {description: Still being issued after the decree was signed (see Retry-After)}
            401: {$ref: '#/components/responses/401'}
            403: {$ref: '#/components/responses/403'}
            404: {$ref: '#/components/responses/404'}
            409: {description: The certificate was revoked with its decree}
        """
        award = self.datamodel.get(pk)
        if award is None or not may_see_award(g.user, award):
            return self.response_404()
        status, found = issuing.certificate_status(db.session, award.id)
        if status == "ready":
            return stored_pdf_response(self, current_app.config, found, f"piagam-{award.id}.pdf")
        if status == "pending":
            response = self.response(202, message=_("The certificate is being issued; try again shortly."),
                                     progress=issuing.progress(db.session, found.id))
            response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
            return response
        if status == "revoked":
            return self.response(409, message=_("The certificate was revoked together with its decree."))
        return self.response(404, message=_("No signed decree lists this award yet."))
