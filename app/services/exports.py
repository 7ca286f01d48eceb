"""Spreadsheet exports of judging results (DESIGN §4 ``GET /api/v1/round/<pk>/ranking/export``).

The ranking is the one computed by :mod:`app.services.ranking` (the same SQL statement as the ranking
endpoint and screen, z-score option and tie-break included); the detail lists the sheets that ranking
counted (final sheets of active assignments, :func:`app.services.ranking.sheet_scores`) with each juror's
value per criterion. Two queries for the detail, whatever the number of sheets.

Workbook (Indonesian, like the official documents):
- ``Peringkat``: per group × category (the unit's kind when the competition lists no categories) by rank:
  rank, innovation, unit, category, score (2 decimals), number of final sheets, group (issue 12);
- ``Rincian``: one row per counted sheet: innovation, unit, category, juror, each criterion's value, the sheet
  score (2 decimals), the juror's comment;
- ``Keterangan``: competition, round, scoring rule, criteria with weights and maxima.

User text is written as text, never as a formula (a title starting with "=" stays a string), with the
characters XML cannot hold removed.
"""
import io

from sqlalchemy import select

from app.models import Criterion, Score, ScoreSheet, User
from app.services import ranking

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
RANKING_SHEET = "Peringkat"
DETAIL_SHEET = "Rincian"
INFO_SHEET = "Keterangan"
RANKING_HEADER = ("Peringkat", "Inovasi", "Unit", "Kategori", "Nilai", "Lembar final", "Kelompok")


def _juror_name(first, last, username):
    return f"{first or ''} {last or ''}".strip() or username


def sheet_details(session, rnd, order=None):
    """The sheets counted in ``rnd``'s ranking: dicts (sheet_id, innovation_id, juror, raw, comment, values
    {criterion_id: float}), ordered by ``order`` (innovation ids, e.g. the ranking's) then juror name."""
    counted = ranking.sheet_scores(rnd.id).subquery("counted_sheets")
    rows = session.execute(
        select(counted.c.sheet_id, counted.c.innovation_id, counted.c.raw, ScoreSheet.comment,
               User.first_name, User.last_name, User.username)
        .select_from(counted)
        .join(ScoreSheet, ScoreSheet.id == counted.c.sheet_id)
        .join(User, User.id == counted.c.juror_id)
    ).all()
    values = {}
    for sheet_id, criterion_id, value in session.execute(
            select(Score.sheet_id, Score.criterion_id, Score.value)
            .where(Score.sheet_id.in_(select(counted.c.sheet_id)))):
        values.setdefault(sheet_id, {})[criterion_id] = float(value)
    position = {pk: n for n, pk in enumerate(order or ())}
    details = [{
        "sheet_id": sheet_id, "innovation_id": innovation_id, "juror": _juror_name(first, last, username),
        "score": float(raw), "comment": comment, "values": values.get(sheet_id, {}),
    } for sheet_id, innovation_id, raw, comment, first, last, username in rows]
    details.sort(key=lambda d: (position.get(d["innovation_id"], len(position)), d["innovation_id"],
                                d["juror"].lower(), d["sheet_id"]))
    return details


def _text(value):
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value


def append_row(ws, values, style=None):
    """Append a row to a write-only sheet (rows are streamed to disk as they come, never all held as cells:
    issue 14); text stays text (never a formula) and loses characters XLSX cannot hold. ``style(cells)`` sets
    fonts and formats before the row is written (a written row cannot change)."""
    from openpyxl.cell import WriteOnlyCell

    cells = []
    for value in values:
        cell = WriteOnlyCell(ws, value=_text(value))
        if isinstance(cell.value, str):
            cell.data_type = "s"  # never a formula, whatever the text starts with
        cells.append(cell)
    if style is not None:
        style(cells)
    ws.append(cells)
    return cells


def _bold(cells, size=None):
    from openpyxl.styles import Font

    for cell in cells:
        cell.font = Font(bold=True, size=size) if size else Font(bold=True)


def _header(ws, values, widths):
    from openpyxl.utils import get_column_letter

    ws.freeze_panes = "A2"
    for n, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(n)].width = width
    append_row(ws, values, _bold)


def _number(cell, decimals=2):
    cell.number_format = "0." + "0" * decimals if decimals else "0"


def ranking_workbook(session, rnd):
    """The XLSX (bytes) of round ``rnd``'s ranking with the per-juror, per-criterion detail (openpyxl's
    write-only mode: constant memory per row written)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment

    rows = ranking.round_ranking(session, rnd)
    criteria = (session.query(Criterion).filter(Criterion.round_id == rnd.id)
                .order_by(Criterion.sequence, Criterion.id).all())
    details = sheet_details(session, rnd, order=[r["innovation_id"] for r in rows])
    by_id = {r["innovation_id"]: r for r in rows}

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(RANKING_SHEET)
    _header(ws, RANKING_HEADER, (11, 48, 36, 24, 10, 12, 14))
    for r in rows:
        append_row(ws, (r["rank"], r["title"], r["unit"], r["category_label"], r["score_display"], r["sheets"],
                        r["group_label"]), lambda cells: _number(cells[4]))

    ws = wb.create_sheet(DETAIL_SHEET)
    _header(ws, ("Inovasi", "Unit", "Kategori", "Juri", *[c.name for c in criteria], "Nilai lembar", "Komentar"),
            (40, 30, 14, 24, *[14] * len(criteria), 12, 60))

    def detail_style(cells):
        for cell in cells[4:4 + len(criteria) + 1]:
            _number(cell)
        cells[-1].alignment = Alignment(wrap_text=True, vertical="top")

    for d in details:
        r = by_id.get(d["innovation_id"], {})
        append_row(ws, (r.get("title"), r.get("unit"), r.get("category_label"), d["juror"],
                        *[d["values"].get(c.id) for c in criteria], round(d["score"], 2), d["comment"] or ""),
                   detail_style)

    ws = wb.create_sheet(INFO_SHEET)
    ws.column_dimensions["A"].width = 24
    ws.column_dimensions["B"].width = 90
    append_row(ws, ("Peringkat penilaian", None), lambda cells: _bold(cells[:1], size=13))
    for label, value in (
        ("Kompetisi", f"{rnd.competition.name} ({rnd.competition.year})"),
        ("Tahap", rnd.name),
        ("Tahap ditutup", "Ya" if rnd.closed_at is not None else "Belum"),
        ("Nilai lembar", "Σ(bobot × nilai / nilai maksimum) / Σ bobot × 100"),
        ("Nilai inovasi", "rata-rata nilai lembar final (penugasan yang mengundurkan diri tidak dihitung)"
                          + ("; dinormalisasi dengan skor-z per juri" if rnd.normalize_z else "")),
        ("Peringkat", "per kategori; nilai sama diputus oleh jumlah lembar final terbanyak, lalu nilai lembar "
                      "terendah yang lebih tinggi, lalu inovasi yang terdaftar lebih dahulu"),
    ):
        append_row(ws, (label, value))
    append_row(ws, ())
    append_row(ws, ("Kriteria", "Bobot; nilai maksimum"), _bold)
    for c in criteria:
        append_row(ws, (c.name, f"{c.weight:g}; {c.max_score:g}"))

    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def ranking_filename(rnd):
    return f"peringkat-{rnd.competition.year}-tahap-{rnd.sequence}-{rnd.id}.xlsx"
