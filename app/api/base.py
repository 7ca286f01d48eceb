"""The shared base API class (Superset's convention): ownership, read-only columns and error codes.

FAB's ``@safe`` turns any exception into a 500 and its ``pre_add``/``pre_update`` cannot answer with a
status, so this class overrides the headless CRUD methods and answers 400/403/404/409/422 itself.
"""
from flask import g, request
from flask_appbuilder.api import ModelRestApi
from flask_appbuilder.models.filters import BaseFilter
from flask_babel import gettext as _
from marshmallow import ValidationError
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from werkzeug.exceptions import BadRequest

from app.extensions import db
from app.services.errors import DomainError
from workflows.engine import WorkflowError

# View and API methods → the four permissions of a resource (app.security.ROLE_RESOURCES).
METHOD_PERMISSIONS = {
    # ModelRestApi
    "get_list": "read", "get": "read", "info": "read", "post": "add", "put": "edit", "delete": "delete",
    # ModelView
    "list": "read", "show": "read", "download": "read", "add": "add", "edit": "edit",
    "api_read": "read", "api_get": "read", "api": "read", "api_column_add": "add", "api_column_edit": "edit",
    "api_readvalues": "read", "api_update": "edit", "api_delete": "delete", "api_create": "add",
    "action": "edit", "action_post": "edit",
    # workflow endpoints: the trigger permission is checked by the engine
    "transitions": "read", "fire": "read", "fire_bulk": "read", "history": "read", "fire_view": "read",
    # domain endpoints
    "attachments": "read", "upload_attachment": "edit", "download_attachment": "read",
}


class RowLevelFilter(BaseFilter):
    """A base filter that applies ``criterion(g.user)`` (see app.services.access)."""

    name = "Row level"
    arg_name = "rowlevel"
    criterion = None  # set by for_criterion

    def apply(self, query, value):
        return query.filter(self.criterion(g.user))

    @classmethod
    def for_criterion(cls, criterion):
        return type(f"RowLevel_{criterion.__name__}", (cls,), {"criterion": staticmethod(criterion)})


def row_filter(criterion):
    return [["id", RowLevelFilter.for_criterion(criterion), lambda: None]]


def _is_pk(pk):
    """Ids are positive integers that fit the database's INTEGER; anything else is simply not found."""
    return str(pk).isdigit() and 0 < int(pk) < 2**31


def error_response(api, err):
    if isinstance(err, DomainError):
        return api.response(err.status, message=err.payload())
    return api.response(err.status, message=err.message)


class SikippModelApi(ModelRestApi):
    allow_browser_login = True
    method_permission_name = METHOD_PERMISSIONS
    # Never writable through CRUD: silently dropped from POST/PUT bodies (the owner and the state are
    # the server's business, DESIGN §2/§3).
    read_only_fields = ("id",)

    # -- hooks for subclasses: call services, raise DomainError ------------------------
    def before_create(self, item):
        pass

    def before_update(self, item, original):
        pass

    def before_delete(self, item):
        pass

    # -- helpers -----------------------------------------------------------------------
    def _json_body(self):
        if not request.is_json:
            raise BadRequest(_("Request is not JSON"))
        body = request.get_json()  # malformed JSON raises BadRequest → 400
        if not isinstance(body, dict):
            raise BadRequest(_("The request body must be a JSON object"))
        for name in self.read_only_fields:
            body.pop(name, None)
        return body

    def _commit(self, item, status, delete=False):
        try:
            if delete:
                db.session.delete(item)
            else:
                db.session.add(item)
            db.session.commit()
        except IntegrityError as err:
            db.session.rollback()
            return self.response(422, message=_("The data violates a rule of the database: %(detail)s",
                                                detail=str(err.orig).splitlines()[0][:300]))
        except SQLAlchemyError:
            db.session.rollback()
            raise
        return None

    def post_headless(self):
        body = self._json_body()
        try:
            item = self.add_model_schema.load(body)
        except ValidationError as err:
            return self.response_422(message=err.messages)
        try:
            self.before_create(item)
        except (DomainError, WorkflowError) as err:
            db.session.rollback()
            return error_response(self, err)
        failed = self._commit(item, 201)
        if failed:
            return failed
        self.post_add(item)
        return self.response(201, result=self.add_model_schema.dump(item, many=False),
                             id=self.datamodel.get_pk_value(item))

    def get_headless(self, pk, **kwargs):
        if not _is_pk(pk):
            return self.response_404()
        return super().get_headless(pk, **kwargs)

    def put_headless(self, pk):
        if not _is_pk(pk):
            return self.response_404()
        item = self.datamodel.get(pk, self._base_filters)
        if not item:
            return self.response_404()
        body = self._json_body()
        original = {c: getattr(item, c, None) for c in self.edit_columns}
        try:
            self.before_update(item, original)  # state/ownership locks are judged on the stored row
        except (DomainError, WorkflowError) as err:
            db.session.rollback()
            return error_response(self, err)
        try:
            data = self._merge_update_item(item, body)
            item = self.edit_model_schema.load(data, instance=item)
        except ValidationError as err:
            db.session.rollback()
            return self.response_422(message=err.messages)
        try:
            self.validate_update(item)
        except (DomainError, WorkflowError) as err:
            db.session.rollback()
            return error_response(self, err)
        failed = self._commit(item, 200)
        if failed:
            return failed
        self.post_update(item)
        return self.response(200, result=self.edit_model_schema.dump(item, many=False))

    def validate_update(self, item):
        pass

    def delete_headless(self, pk):
        if not _is_pk(pk):
            return self.response_404()
        item = self.datamodel.get(pk, self._base_filters)
        if not item:
            return self.response_404()
        try:
            self.before_delete(item)
        except (DomainError, WorkflowError) as err:
            return error_response(self, err)
        failed = self._commit(item, 200, delete=True)
        if failed:
            return self.response(409, message=_("This record is still used by other data and cannot be deleted."))
        return self.response(200, message="OK")
