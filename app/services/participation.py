"""Participation ("satu OPD satu inovasi"): every unit with its proposals per state in one competition."""
import io

from sqlalchemy import and_, func, select

from app.models import INNOVATION_STATES, Innovation, Unit
from app.models.unit import UNIT_KIND_LABELS
from app.services import access


def rows(session, competition_id, user, kind=None):
    """One row per unit (an OPD user sees only its own unit), counting proposals per state; one
    aggregate query. Units with no live proposal are flagged ``missing``."""
    counts = [func.count(Innovation.id).filter(Innovation.state == state).label(state)
              for state in INNOVATION_STATES]
    query = (session.query(Unit, *counts)
             .outerjoin(Innovation, and_(Innovation.unit_id == Unit.id, Innovation.competition_id == competition_id))
             .group_by(Unit.id).order_by(Unit.kind, Unit.name))
    if kind:
        query = query.filter(Unit.kind == kind)
    if not access.is_privileged(user):
        query = query.filter(Unit.id == (user.unit_id if user.unit_id is not None else -1))
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


def summary(result):
    return {"units": len(result), "missing": sum(1 for r in result if r["missing"]),
            "proposals": sum(r["total"] for r in result)}


def to_xlsx(result, competition, state_labels):
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill

    from app.services.exports import append_row

    wb = Workbook()
    ws = wb.active
    ws.title = "Partisipasi"
    append_row(ws, [f"Partisipasi {competition.name}"])
    ws["A1"].font = Font(bold=True, size=13)
    header = ["Kode", "Unit", "Jenis", "Nilai SAKIP", *[str(state_labels.get(s, s)) for s in INNOVATION_STATES],
              "Jumlah", "Belum mengusulkan"]
    append_row(ws, header)
    for cell in ws[2]:
        cell.font = Font(bold=True)
    red = PatternFill("solid", fgColor="F8D7DA")
    for r in result:
        append_row(ws, [r["code"], r["name"], UNIT_KIND_LABELS.get(r["kind"], r["kind"]), r["sakip_grade"] or "",
                   *[r["counts"][s] for s in INNOVATION_STATES], r["total"], "Ya" if r["missing"] else ""])
        if r["missing"]:
            for cell in ws[ws.max_row]:
                cell.fill = red
    for column, width in zip("ABCD", (14, 48, 14, 12)):
        ws.column_dimensions[column].width = width
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
