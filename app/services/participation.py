"""Participation ("satu OPD satu inovasi"): every unit with its proposals per state in one competition."""
import io

from sqlalchemy import and_, case, func, select

from app.models import INNOVATION_STATES, Innovation, Unit
from app.models.unit import UNIT_KIND_LABELS
from app.services import access


def _units(session, user, kind):
    query = session.query(Unit.id)
    if kind:
        query = query.filter(Unit.kind == kind)
    if not access.is_privileged(user):
        query = query.filter(Unit.id == (user.unit_id if user.unit_id is not None else -1))
    return query


def unit_count(session, user, kind=None):
    """How many rows :func:`rows` lists without paging (for a paged answer's ``count``)."""
    return _units(session, user, kind).count()


def rows(session, competition_id, user, kind=None, page=None, page_size=None):
    """One row per unit (an OPD user sees only its own unit), counting proposals per state; one
    aggregate query (one page of units, by kind and name, when ``page_size`` is given). Units with no live
    proposal are flagged ``missing``."""
    counts = [func.count(Innovation.id).filter(Innovation.state == state).label(state)
              for state in INNOVATION_STATES]
    query = (session.query(Unit, *counts)
             .outerjoin(Innovation, and_(Innovation.unit_id == Unit.id, Innovation.competition_id == competition_id))
             .group_by(Unit.id).order_by(Unit.kind, Unit.name))
    if kind:
        query = query.filter(Unit.kind == kind)
    if not access.is_privileged(user):
        query = query.filter(Unit.id == (user.unit_id if user.unit_id is not None else -1))
    if page_size is not None:
        query = query.order_by(Unit.id).limit(page_size).offset((page or 0) * page_size)
    result = []
    for unit, *values in query:
        per_state = dict(zip(INNOVATION_STATES, values))
        live = sum(v for s, v in per_state.items() if s not in ("withdrawn", "rejected"))
        result.append({
            "unit_id": unit.id, "code": unit.code, "name": unit.name, "kind": unit.kind,
            "sakip_grade": unit.sakip_grade, "counts": per_state, "total": sum(per_state.values()),
            "missing": live == 0,
        })
    return result


def per_kind(session, competition_id, user):
    """Per unit kind (in ``UNIT_KINDS`` order, kinds without units left out): how many units, how many with at least
    one live proposal (not withdrawn or rejected), how many without, and the per cent with one. One aggregate
    statement: the same rule as :func:`rows`' ``missing`` without loading a row per unit (an OPD user counts its own
    unit only)."""
    from app.models.unit import UNIT_KINDS

    live = (select(Innovation.unit_id).where(Innovation.competition_id == competition_id,
                                             Innovation.state.notin_(("withdrawn", "rejected")))
            .distinct().subquery())
    query = (select(Unit.kind, func.count(Unit.id), func.count(live.c.unit_id))
             .outerjoin(live, live.c.unit_id == Unit.id).group_by(Unit.kind))
    if not access.is_privileged(user):
        query = query.where(Unit.id == (user.unit_id if user.unit_id is not None else -1))
    counts = {kind: (int(units), int(taking_part)) for kind, units, taking_part in session.execute(query)}
    result = []
    for kind in UNIT_KINDS:
        units, taking_part = counts.get(kind, (0, 0))
        if units:
            result.append({"kind": kind, "units": units, "with": taking_part, "without": units - taking_part,
                           "percent": round(100 * taking_part / units)})
    return result


def summary_of(session, competition_id, user, kind=None):
    """:func:`summary` of every unit :func:`rows` would list, computed by the database (for a paged screen)."""
    live = [s for s in INNOVATION_STATES if s not in ("withdrawn", "rejected")]
    per_unit = (session.query(Unit.id.label("unit_id"),
                              func.count(Innovation.id).filter(Innovation.state.in_(live)).label("live"),
                              func.count(Innovation.id).label("total"))
                .outerjoin(Innovation, and_(Innovation.unit_id == Unit.id, Innovation.competition_id == competition_id))
                .filter(Unit.id.in_(_units(session, user, kind).scalar_subquery()))
                .group_by(Unit.id)).subquery()
    units, missing, proposals = session.query(
        func.count(), func.coalesce(func.sum(case((per_unit.c.live == 0, 1), else_=0)), 0),
        func.coalesce(func.sum(per_unit.c.total), 0)).select_from(per_unit).one()
    return {"units": int(units), "missing": int(missing), "proposals": int(proposals)}


def summary(result):
    return {"units": len(result), "missing": sum(1 for r in result if r["missing"]),
            "proposals": sum(r["total"] for r in result)}


def to_xlsx(result, competition, state_labels):
    """The participation table as XLSX bytes (openpyxl's write-only mode: rows streamed, issue 14)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill

    from app.services.exports import append_row

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Partisipasi")
    for column, width in zip("ABCD", (14, 48, 14, 12)):
        ws.column_dimensions[column].width = width
    append_row(ws, [f"Partisipasi {competition.name}"], lambda cells: setattr(cells[0], "font", Font(bold=True, size=13)))
    header = ["Kode", "Unit", "Jenis", "Nilai SAKIP", *[str(state_labels.get(s, s)) for s in INNOVATION_STATES],
              "Jumlah", "Belum mengusulkan"]

    def bold(cells):
        for cell in cells:
            cell.font = Font(bold=True)

    def missing(cells):
        for cell in cells:
            cell.fill = PatternFill("solid", fgColor="F8D7DA")

    append_row(ws, header, bold)
    for r in result:
        append_row(ws, [r["code"], r["name"], UNIT_KIND_LABELS.get(r["kind"], r["kind"]), r["sakip_grade"] or "",
                        *[r["counts"][s] for s in INNOVATION_STATES], r["total"], "Ya" if r["missing"] else ""],
                   missing if r["missing"] else None)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
