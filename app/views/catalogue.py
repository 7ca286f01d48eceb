"""The public catalogue of awarded innovations (DESIGN §2 anonymous, §4): no login.

- ``GET /catalogue/``: awarded innovations of every competition, newest first, 20 per page; query args
  ``year`` (competition year), ``kind`` (unit kind: opd|kecamatan|puskesmas|smp|lainnya), ``page``;
- ``GET /catalogue/<innovation_id>``: one awarded innovation (404 for anything not awarded).
HTML for people; JSON when the client asks for ``application/json`` (like /verify). Read-only GETs: no form,
no CSRF token. What is shown is decided by app.services.catalogue (never scores, jurors, users or files).
"""
from flask import Blueprint, current_app, jsonify, render_template, request
from flask_babel import format_date
from flask_babel import gettext as _

from app.api.base import _is_pk
from app.extensions import db
from app.models.unit import UNIT_KIND_LABELS, UNIT_KINDS
from app.services import catalogue, registry
from app.views.crud import SDG_NAMES, SECTION_LABELS
from app.views.public import wants_json

bp = Blueprint("catalogue", __name__, url_prefix="/catalogue")


class BadArgument(ValueError):
    pass


def _args():
    """(year, kind, page) from the query string; BadArgument for a value that cannot be meant."""
    year, kind, page = (request.args.get(name, "").strip() for name in ("year", "kind", "page"))
    try:
        year = int(year) if year else None
    except ValueError:
        raise BadArgument(_("The year must be a number.")) from None
    if year is not None and not 2000 <= year <= 2100:
        raise BadArgument(_("The year must be between 2000 and 2100."))
    if kind and kind not in UNIT_KINDS:
        raise BadArgument(_("Unknown unit kind; use one of: %(kinds)s.", kinds=", ".join(UNIT_KINDS)))
    try:
        page = int(page) if page else 1
    except ValueError:
        raise BadArgument(_("The page must be a positive number.")) from None
    if page < 1:
        raise BadArgument(_("The page must be a positive number."))
    return year, kind or None, page


def _render(template, status=200, **context):
    appbuilder = current_app.appbuilder
    return render_template(template, appbuilder=appbuilder, base_template=appbuilder.base_template,
                           section_labels={s: SECTION_LABELS[s] for s in catalogue.SECTIONS},
                           sdg_names=SDG_NAMES, kind_labels=UNIT_KIND_LABELS, format_date=format_date,
                           status_labels={k: str(v) for k, v in registry.STATUS_LABELS.items()},
                           date_of=_date_of, **context), status


def _date_of(iso):
    from datetime import date

    return date.fromisoformat(iso)


def _started_on(entry):
    from datetime import date

    return date.fromisoformat(entry["started_on"]) if entry["started_on"] else None


@bp.route("/", methods=["GET"])
def index():
    try:
        year, kind, page = _args()
    except BadArgument as err:
        if wants_json():
            return jsonify(message=str(err)), 400
        return _render("catalogue/index.html", 400, error=str(err), data=None, year=None, kind=None,
                       years=catalogue.years(db.session), kinds=UNIT_KINDS, started_on=_started_on)
    data = catalogue.search(db.session, year=year, kind=kind, page=page)
    if wants_json():
        return jsonify(**data, filters={"year": year, "kind": kind}), 200
    return _render("catalogue/index.html", data=data, year=year, kind=kind, years=catalogue.years(db.session),
                   kinds=UNIT_KINDS, started_on=_started_on, error=None)


@bp.route("/<innovation_id>", methods=["GET"])
def detail(innovation_id):
    entry = catalogue.get(db.session, int(innovation_id)) if _is_pk(innovation_id) else None
    if entry is None:
        if wants_json():
            return jsonify(message=_("No awarded innovation with this number.")), 404
        return _render("catalogue/detail.html", 404, entry=None, started_on=_started_on)
    if wants_json():
        return jsonify(result=entry), 200
    return _render("catalogue/detail.html", entry=entry, started_on=_started_on)
