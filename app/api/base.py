"""The shared base API class (Superset's convention): ownership, read-only columns and error codes.

FAB's ``@safe`` turns any exception into a 500 and its ``pre_add``/``pre_update`` cannot answer with a
status, so this class overrides the headless CRUD methods and answers 400/403/404/409/422 itself.
"""
import prison
from flask import g, request
from flask_appbuilder.api import ModelRestApi
from flask_appbuilder.models.filters import BaseFilter
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import gettext as _
from marshmallow import ValidationError
from sqlalchemy.exc import DataError, IntegrityError, ProgrammingError, SQLAlchemyError, StatementError
from werkzeug.exceptions import BadRequest

from app.extensions import db
from app.services import access, db_errors
from app.services.errors import DomainError
from app.views.guards import DB_INT_MAX, is_db_id
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
    "pdf": "read", "paraf_status": "read", "readiness": "read", "certificates": "read", "issue_certificates": "edit", "certificate": "certificate",
    "attachments": "read", "upload_attachment": "edit", "download_attachment": "read", "delete_attachment": "edit",
    # registry (issue 12): who may carry which innovation is the command's rule (the Sekretariat only reads
    # innovations, yet carries any of them)
    "carry_over": "read", "lineage": "read", "carry_over_form": "read",
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


# -- list counts: an estimate above a size (issue 14, docs/architecture.md "List counts") ----------------------
ESTIMATE_COUNT_ABOVE = 100_000  # rows: below this every list page counts exactly


class EagerListInterface(SQLAInterface):
    """FAB's SQLAlchemy interface that reads the many-to-one relations a list shows (``eager_relations``, set by
    the screens from their ``list_columns``) with the rows: FAB's screen list loads each row's unit and
    competition lazily, one query per distinct value on the page (up to the page size)."""

    eager_relations: frozenset = frozenset()

    def apply_all(self, query, filters=None, order_column="", order_direction="", page=None, page_size=None,
                  select_columns=None, outer_default_load=False):
        if not select_columns and self.eager_relations:
            from sqlalchemy.orm import joinedload

            query = query.options(*(joinedload(getattr(self.obj, name)) for name in sorted(self.eager_relations)))
        return super().apply_all(query, filters, order_column, order_direction, page, page_size, select_columns,
                                 outer_default_load)


class EstimatedCountInterface(EagerListInterface):
    """FAB's SQLAlchemy interface whose list count is PostgreSQL's planner estimate (``pg_class.reltuples``,
    kept by autovacuum/ANALYZE) when the table holds more than ``ESTIMATE_COUNT_ABOVE`` rows and the list is
    unfiltered for this user (no search filter, and the row rule lets the user see every row); any filtered
    list (an OPD's, a juror's, a search) and any smaller table count exactly. An exact ``COUNT(*)`` of a
    million rows is a parallel scan (195 ms) on every list page. SQLite (embedded, small) always counts."""

    def query_count(self, query, filters=None, select_columns=None):
        estimate = self._estimated_rows()
        if estimate is not None and estimate > ESTIMATE_COUNT_ABOVE and self._unfiltered(filters):
            return estimate
        return super().query_count(query, filters, select_columns)

    def get_related_interface(self, col_name):
        """Related models (the filter dropdowns' units and competitions) keep FAB's interface: exact and small."""
        return SQLAInterface(self.get_related_model(col_name), self.session)

    def _estimated_rows(self):
        from sqlalchemy import text

        if self.session.get_bind().dialect.name != "postgresql":
            return None
        value = self.session.execute(text("SELECT reltuples::bigint FROM pg_class WHERE oid = to_regclass(:t)"),
                                     {"t": self.obj.__table__.name}).scalar()
        return int(value) if value is not None and value >= 0 else None

    def _unfiltered(self, filters):
        from sqlalchemy.sql.elements import True_

        for flt in (filters.filters if filters is not None else []):
            if not isinstance(flt, RowLevelFilter):
                return False  # a search filter
            if not isinstance(flt.criterion(g.user), True_):
                return False  # the row rule restricts this user's rows
        return True


DEFAULT_PAGE_SIZE = 100  # DESIGN §4: "default page size at least 100"
MAX_PAGE_SIZE = 1000


def page_args(args=None):
    """``?page=&page_size=`` of a list endpoint that returns every row when neither is given (DESIGN §4, for the
    clients written before paging): (None, None), or (page from 0, page_size 1..MAX_PAGE_SIZE, default
    DEFAULT_PAGE_SIZE), or a message for a 400 when they are no such numbers."""
    from flask import request
    from flask_babel import gettext

    args = request.args if args is None else args
    raw_page, raw_size = args.get("page"), args.get("page_size")
    if raw_page is None and raw_size is None:
        return None, None
    try:
        page = int(raw_page) if raw_page is not None else 0
        size = int(raw_size) if raw_size is not None else DEFAULT_PAGE_SIZE
    except ValueError:
        page = size = -1
    if page < 0 or not 1 <= size <= MAX_PAGE_SIZE or page > 10_000_000:
        return gettext("page must be a whole number from 0 and page_size one from 1 to %(max)s.", max=MAX_PAGE_SIZE)
    return page, size


def related_row_rules(datamodel, columns, declared=None):
    """FAB ``*_query_rel_fields`` for ``columns``: each relation to a model with a row rule (see
    app.services.access.criterion_for_model) lists only the rows the current user may see, on top of any
    filters ``declared`` by the view. Screens and APIs use it for filter dropdowns, related-field choices and
    the related values of ``/_info``: they never name a row the API would hide from the same user."""
    rules = {col: list(filters) for col, filters in (declared or {}).items()}
    for col in columns or ():
        if not datamodel.is_relation(col):
            continue
        criterion = access.criterion_for_model(datamodel.get_related_model(col))
        if criterion is not None:
            rules[col] = rules.get(col, []) + row_filter(criterion)
    return rules


# Ids are positive integers that fit the database's INTEGER; anything else is simply not found. One rule with
# the request guards, which already refuse such ids in every URL before any API method runs.
_is_pk = is_db_id


def _is_id_key(key):
    return isinstance(key, str) and (key in ("id", "ids", "pk") or key.endswith(("_id", "_ids")))


def _out_of_range_ids(value, key=None):
    """Names of id fields (``id``, ``ids``, ``*_id``, ``*_ids``, at any depth) holding an integer that no
    row can have: the database would raise an overflow (SQLite) or out-of-range error (PostgreSQL) → 500."""
    bad = []
    if isinstance(value, dict):
        for k, v in value.items():
            bad += _out_of_range_ids(v, k)
    elif isinstance(value, list):
        for v in value:
            bad += _out_of_range_ids(v, key)
    elif (_is_id_key(key) and isinstance(value, int) and not isinstance(value, bool)
          and not -DB_INT_MAX - 1 <= value <= DB_INT_MAX):
        bad.append(key)
    return bad


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

    def _init_properties(self):
        super()._init_properties()
        self.add_query_rel_fields = related_row_rules(self.datamodel, self.add_columns, self.add_query_rel_fields)
        self.edit_query_rel_fields = related_row_rules(self.datamodel, self.edit_columns,
                                                       self.edit_query_rel_fields)

    def create_blueprint(self, appbuilder, *args, **kwargs):
        blueprint = super().create_blueprint(appbuilder, *args, **kwargs)
        # Bad input never reaches the database as a 500 (DESIGN §4), on every endpoint of the resource,
        # including those added by mixins (workflow, attachments):
        blueprint.before_request(self._reject_impossible_input)
        # FAB routes GET only for /<int:pk>: /abc or /-1 then matched PUT/DELETE /<pk> and answered an
        # HTML 405 (and /abc/transitions/x an HTML 404). Any path no real route takes is an unknown id.
        blueprint.add_url_rule("/<path:pk>", "unknown_pk", self._unknown_pk,
                               methods=["GET", "POST", "PUT", "DELETE"])
        return blueprint

    def _unknown_pk(self, pk):
        return self.response_404()

    def _reject_impossible_input(self):
        # Impossible URL ids and unstorable text (NUL) were refused by the request guards (app/views/guards.py)
        # before this runs; what is left is the API's own: rison arguments and id values in JSON bodies.
        q = request.args.get("q")
        if q:
            try:
                prison.loads(q)
            except prison.decoder.ParserException:
                pass  # FAB then reads it as JSON, or answers 400 itself
            except Exception:  # prison recurses forever on e.g. "(((" or fails with a TypeError: was a 500
                return self.response_400(message="Not a valid rison/json argument")
        if request.method in ("POST", "PUT") and request.is_json:
            body = request.get_json(silent=True)
            bad = _out_of_range_ids(body) if isinstance(body, (dict, list)) else []
            if bad:
                return self.response_422(message={name: [_("Unknown id.")] for name in bad})
        return None

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
            message, field = db_errors.integrity_message(err)  # never the database's own text
            return self.response(422, message={field: [message]} if field else message)
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
            failed = self.create_item(item)
        except (DomainError, WorkflowError) as err:
            db.session.rollback()
            return error_response(self, err)
        if failed:
            return failed
        self.post_add(item)
        return self.response(201, result=self.add_model_schema.dump(item, many=False),
                             id=self.datamodel.get_pk_value(item))

    def _get_field_info(self, field, filter_rel_field, page=None, page_size=None):
        info = super()._get_field_info(field, filter_rel_field, page=page, page_size=page_size)
        # FAB translates a missing description as gettext(""), which is the catalog's header
        # ("Project-Id-Version: …") under the Indonesian locale: /_info showed it for every field.
        if not self.description_columns.get(field.name):
            info["description"] = ""
        return info

    def get_list_headless(self, **kwargs):
        try:
            return super().get_list_headless(**kwargs)
        except (DataError, ProgrammingError, StatementError, TypeError, ValueError, OverflowError):
            # A filter value the column cannot take (text for a number, a number beyond INTEGER, NUL in text,
            # a number for a text operator): FAB passes it to the database as is, which raised → 500.
            db.session.rollback()
            if not (kwargs.get("rison") or {}).get("filters"):
                raise
            return self.response_400(message=_("A filter value does not fit its column."))

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
        try:
            failed = self.update_item(item, body)
        except ValidationError as err:
            db.session.rollback()
            return self.response_422(message=err.messages)
        except (DomainError, WorkflowError) as err:
            db.session.rollback()
            return error_response(self, err)
        if failed:
            return failed
        self.post_update(item)
        return self.response(200, result=self.edit_model_schema.dump(item, many=False))

    # -- saving (a resource with commands overrides these three) ----------------------
    def create_item(self, item):
        """Save a new row; return an error response or None. Raises DomainError/WorkflowError."""
        self.before_create(item)
        return self._commit(item, 201)

    def update_item(self, item, body):
        """Apply ``body`` to the stored row and save; an error response or None. Raises DomainError,
        WorkflowError or marshmallow's ValidationError."""
        original = {c: getattr(item, c, None) for c in self.edit_columns}
        self.before_update(item, original)  # state/ownership locks are judged on the stored row
        self.load_update(item, body)
        self.validate_update(item)
        return self._commit(item, 200)

    def load_update(self, item, body):
        """Write the PUT body into the row through the edit schema (raises ValidationError)."""
        return self.edit_model_schema.load(self._merge_update_item(item, body), instance=item)

    def delete_item(self, item):
        """Delete the row; an error response or None. Raises DomainError/WorkflowError."""
        self.before_delete(item)
        failed = self._commit(item, 200, delete=True)
        if failed:
            return self.response(409, message=_("This record is still used by other data and cannot be deleted."))
        return None

    def validate_update(self, item):
        pass

    def delete_headless(self, pk):
        if not _is_pk(pk):
            return self.response_404()
        item = self.datamodel.get(pk, self._base_filters)
        if not item:
            return self.response_404()
        try:
            failed = self.delete_item(item)
        except (DomainError, WorkflowError) as err:
            db.session.rollback()
            return error_response(self, err)
        if failed:
            return failed
        return self.response(200, message="OK")
