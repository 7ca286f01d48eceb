"""Exports of a competition's nominations (issue 12 item 8, DESIGN §11 ``GET /api/v1/competition/<pk>/nominations/
export?level=…&format=sinovik|iid``), so the Sekretariat no longer retypes its winners into SINOVIK (KIPP) or the
Kemendagri IID database. The column mapping is documented in docs/nomination.md; keep both in step.

- ``sinovik``: sheet ``Usulan SINOVIK``, one row per nominated innovation in the SINOVIK proposal structure
  (reference/domain.md: the eight proposal sections plus video link, SDG goals, start date, attachments); sheet
  ``Pemetaan`` lists every column with its source field; sheet ``Keterangan`` the competition, level and quota.
- ``sinovik`` + ``archive=zip``: a ZIP with that workbook and each innovation's evidence files, one folder per
  innovation and in it one per evidence kind (``01-<title>-<id>/<kind code or lainnya>/<attachment id>-<name>``),
  safe file names; written to a spooled temporary file (RAM up to
  ``SPOOL_BYTES``, then disk) and copied from the store in chunks, never all files in memory.
- ``iid``: sheet ``Profil IID``, one row per innovation with the IID profile fields, and sheet ``Indikator``, one
  row per innovation × indicator (the indicators reference/domain.md names) with the evidence SIKIPP holds.

The innovation's group and category, the innovator team (:func:`app.services.teams.team_of`: the exports are the
Sekretariat's, who may read it) and the evidence kinds (``attachment.kind`` with the competition's labels) are used.
IND-15 and IND-18 carry the lineage's replication records and sustainability statuses (app.services.registry).

User text is written as text, never as a formula (app.services.exports.append_row).
"""
from __future__ import annotations

import datetime
import io
import re
import shutil
import tempfile
import unicodedata
import zipfile

from app.models import Attachment
from app.models.innovation import PROPOSAL_SECTIONS
from app.models.unit import UNIT_KIND_LABELS
from app.services import decrees, evidence, groups, nominations, registry, teams
from app.services.documents.indonesian import format_date
from app.services.exports import _header, append_row

FORMATS = ("sinovik", "iid")
SPOOL_BYTES = 16 * 1024 * 1024
CHUNK = 1024 * 1024
SINOVIK_SHEET = "Usulan SINOVIK"
IID_SHEET = "Profil IID"
INDICATOR_SHEET = "Indikator"
MAPPING_SHEET = "Pemetaan"
INFO_SHEET = "Keterangan"

SECTION_HEADINGS = dict(PROPOSAL_SECTIONS)
# The IID "rancang bangun" (design narrative) is made of these proposal sections, with their headings.
DESIGN_SECTIONS = ("novelty", "implementation", "resources")


def _replication_text(c):
    """IND-15's evidence: what this innovation replicates and who replicated its lineage (registry records)."""
    inn, history = c["innovation"], c["history"]
    lines = []
    if inn.replicates_text:
        lines.append(f"Replikasi dari: {inn.replicates_text}")
    elif inn.replicates_id:
        lines.append(f"Replikasi dari inovasi SIKIPP #{inn.replicates_id}")
    lines += [f"Direplikasi oleh {r['replicator']} ({format_date(datetime.date.fromisoformat(r['replicated_on']))})"
              + (f"; bukti: {r['evidence']}" if r.get("evidence") else "") for r in history["replications"]]
    return "\n".join(lines) or "Belum ada replikasi tercatat"


def _sustainability_text(c):
    """IND-18's evidence: the lineage's yearly sustainability statuses (registry records), oldest first."""
    lines = [f"{st['year']}: {st['status']}" + (f" ({st['notes']})" if st.get("notes") else "")
             + (f"; bukti: {st['evidence']}" if st.get("evidence") else "") for st in c["history"]["sustainability"]]
    return "\n".join(lines) or "Belum ada status keberlanjutan tercatat"


def _sdg(value):
    return ", ".join(str(g) for g in (value or []) if isinstance(g, int) and not isinstance(g, bool))


def _date(value):
    return format_date(value) if value else None


def _award_text(award):
    if award is None:
        return None
    return f"{award.title} (peringkat {award.rank})" if award.rank else award.title


def _words(text):
    return len((text or "").split())


def safe_name(text, fallback, limit=60):
    """A file or folder name safe on every system: ASCII letters, digits, dot, dash and underscore only."""
    ascii_text = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode("ascii")
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "-", ascii_text).strip("-._")[:limit].strip("-._")
    return cleaned or fallback


def _attachments(session, innovation_ids):
    by_innovation: dict[int, list] = {}
    if innovation_ids:
        for a in (session.query(Attachment).filter(Attachment.innovation_id.in_(innovation_ids))
                  .order_by(Attachment.innovation_id, Attachment.id)):
            by_innovation.setdefault(a.innovation_id, []).append(a)
    return by_innovation


def _member(member):
    """One team member as one line: name, NIP, position, role (contact details stay out of the export)."""
    parts = [member.get("name"), f"NIP {member['nip']}" if member.get("nip") else None, member.get("position"),
             member.get("role")]
    return " — ".join(p for p in parts if p)


def _category(c):
    """The thematic category, or the unit's kind where the competition has none (DESIGN §11)."""
    category = c["innovation"].category or c["unit"].kind
    return groups.category_label(category)


def _team_text(c):
    return "\n".join(_member(m) for m in c["team"]) or None


def _kinds_text(c):
    return "\n".join(f"{_path(c, a)}: {evidence.label_of(c['competition'], a.kind) if a.kind else 'tanpa jenis'}"
                     for a in c["files"]) or None


def _folder(n, innovation):
    return f"{n:02d}-{safe_name(innovation.title, 'inovasi', 50)}-{innovation.id}"


def _file_name(attachment):
    base = safe_name(attachment.original_name, "lampiran", 80)
    if not base.lower().endswith(".pdf"):
        base += ".pdf"
    return f"{attachment.id}-{base}"  # the id keeps two files of the same name apart


def _path(c, attachment):
    """The attachment's path in the ZIP: innovation folder / evidence kind / file."""
    return f"{c['folder']}/{safe_name(attachment.kind or '', 'lainnya', 40)}/{_file_name(attachment)}"


# SINOVIK columns: (header, source, getter(ctx)). ctx: innovation, unit, award, files, decree.
SINOVIK_COLUMNS = (
    ("No", "urutan baris", lambda c: c["n"]),
    ("Judul Inovasi", "innovation.title", lambda c: c["innovation"].title),
    ("Unit Penyelenggara", "unit.name", lambda c: c["unit"].name),
    ("Kode Unit", "unit.code", lambda c: c["unit"].code),
    ("Jenis Unit", "unit.kind", lambda c: UNIT_KIND_LABELS.get(c["unit"].kind, c["unit"].kind)),
    ("Kelompok", "innovation.group (umum, replikasi, khusus)", lambda c: groups.group_label(c["innovation"].group)),
    ("Kategori", "innovation.category; tanpa kategori tematik: jenis unit", _category),
    *[(heading, f"innovation.{field}", (lambda f: lambda c: getattr(c["innovation"], f))(field))
      for field, heading in PROPOSAL_SECTIONS],
    ("Tanggal Mulai Inovasi", "innovation.started_on", lambda c: _date(c["innovation"].started_on)),
    ("Tautan Video", "innovation.video_url", lambda c: c["innovation"].video_url),
    ("Tujuan SDGs", "innovation.sdg_goals", lambda c: _sdg(c["innovation"].sdg_goals)),
    ("Tim Inovasi", "innovation.team: nama — NIP — jabatan — peran, satu anggota per baris", _team_text),
    ("Penghargaan Kabupaten", "award.title, award.rank", lambda c: _award_text(c["award"])),
    ("Nomor Keputusan", "decree.number (keputusan yang ditandatangani)", lambda c: c["decree_number"]),
    ("Jumlah Bukti Dukung", "jumlah attachment", lambda c: len(c["files"])),
    ("Berkas Bukti Dukung", "attachment.original_name → berkas di ZIP (folder inovasi/jenis/berkas)",
     lambda c: "\n".join(_path(c, a) for a in c["files"])),
    ("Jenis Bukti Dukung", "attachment.kind → label jenis bukti dukung kompetisi (competition.evidence_kinds)",
     _kinds_text),
)

# IID profile columns (reference/domain.md, Kemendagri's Indeks Inovasi Daerah).
IID_COLUMNS = (
    ("No", "urutan baris", lambda c: c["n"]),
    ("Nama Inovasi", "innovation.title", lambda c: c["innovation"].title),
    ("Perangkat Daerah", "unit.name", lambda c: c["unit"].name),
    ("Jenis Perangkat Daerah", "unit.kind", lambda c: UNIT_KIND_LABELS.get(c["unit"].kind, c["unit"].kind)),
    ("Inisiator", "tetap: Perangkat Daerah (pengusul di SIKIPP adalah unit kerja)", lambda c: "Perangkat Daerah"),
    ("Jenis Inovasi (digital / non digital)", "diisi Sekretariat (SIKIPP tidak menyimpannya)", lambda c: None),
    ("Bentuk Inovasi", "tetap: Inovasi Pelayanan Publik (lingkup kompetisi)", lambda c: "Inovasi Pelayanan Publik"),
    ("Urusan Pemerintahan", "diisi Sekretariat (SIKIPP tidak menyimpannya)", lambda c: None),
    ("Tahapan Inovasi", "tetap: penerapan (pemenang sudah berjalan, usia minimal kompetisi)", lambda c: "penerapan"),
    ("Waktu Uji Coba", "diisi Sekretariat (SIKIPP tidak menyimpannya)", lambda c: None),
    ("Waktu Penerapan", "innovation.started_on", lambda c: _date(c["innovation"].started_on)),
    ("Rancang Bangun", "innovation.novelty + implementation + resources (dengan judul bagian)",
     lambda c: c["design"]),
    ("Jumlah Kata Rancang Bangun", "hitungan kata ketiga bagian itu, tanpa judul bagian (IID: minimal 300)",
     lambda c: c["design_words"]),
    ("Tujuan Inovasi", "innovation.background", lambda c: c["innovation"].background),
    ("Manfaat Inovasi", "innovation.summary", lambda c: c["innovation"].summary),
    ("Hasil Inovasi", "innovation.significance", lambda c: c["innovation"].significance),
    ("Tautan Video", "innovation.video_url", lambda c: c["innovation"].video_url),
    ("Penghargaan Kabupaten", "award.title, award.rank", lambda c: _award_text(c["award"])),
)

INDICATOR_HEADER = ("No", "Nama Inovasi", "Indikator", "Keterangan", "Data SIKIPP", "Bukti dukung")


def _indicators(c):
    """(code, name, data, evidence) rows of one innovation: the IID indicators reference/domain.md names."""
    inn = c["innovation"]
    team = f"Tim inovasi: {len(c['team'])} anggota\n{_team_text(c)}" if c["team"] else "Tim inovasi belum diisi"
    return (
        ("IND-02", "SK tim inovasi",
         f"{team}\nDiverifikasi Sekretariat: daftar periksa \"SK tim inovasi terlampir\"", _kinds_text(c)),
        ("IND-15", "Replikasi", inn.adaptability, _replication_text(c)),
        ("IND-18", "Monitoring dan evaluasi", inn.sustainability, _sustainability_text(c)),
        ("-", "Penghargaan", _award_text(c["award"]),
         f"Keputusan Bupati {c['decree_number']}" if c["decree_number"] else None),
    )


def _contexts(session, competition, level):
    rows = nominations.nominated(session, competition.id, level)
    files = _attachments(session, [inn.id for _n, inn, _u, _a in rows])
    decree = decrees.signed_decree(session, competition.id)
    contexts = []
    for n, (nomination, innovation, unit, award) in enumerate(rows, start=1):
        parts = [(f, getattr(innovation, f)) for f in DESIGN_SECTIONS if getattr(innovation, f)]
        design = "\n\n".join(f"{SECTION_HEADINGS[f]}:\n{text}" for f, text in parts)
        contexts.append({"n": n, "nomination": nomination, "innovation": innovation, "unit": unit, "award": award,
                         "competition": competition, "team": teams.team_of(session, innovation.id),
                         "history": registry.history(session, innovation),
                         "files": files.get(innovation.id, []), "folder": _folder(n, innovation),
                         "decree_number": decree.number if decree is not None else None, "design": design or None,
                         "design_words": sum(_words(text) for _f, text in parts)})
    return contexts


def _info_sheet(wb, competition, level, title, count):
    from openpyxl.styles import Font

    ws = wb.create_sheet(INFO_SHEET)
    ws.column_dimensions["A"].width = 26
    ws.column_dimensions["B"].width = 90
    append_row(ws, (title, None))[0].font = Font(bold=True, size=13)
    levels = [level] if level else list(nominations.NOMINATION_LEVELS)
    for label, value in (
        ("Kompetisi", f"{competition.name} ({competition.year})"),
        ("Tingkat", ", ".join(nominations.level_label(lv) for lv in levels)),
        ("Kuota", "; ".join(f"{nominations.level_label(lv)}: "
                            f"{nominations.quota_of(competition, lv) if nominations.quota_of(competition, lv) is not None else 'tanpa batas'}"
                            for lv in levels)),
        ("Jumlah inovasi", count),
        ("Pemetaan kolom", "lihat lembar Pemetaan dan docs/nomination.md"),
    ):
        append_row(ws, (label, value))


def _mapping_sheet(wb, columns):
    ws = wb.create_sheet(MAPPING_SHEET)
    _header(ws, ("Kolom", "Sumber di SIKIPP"), (34, 90))
    for header, source, _getter in columns:
        append_row(ws, (header, source))


def _table(ws, columns, contexts):
    from openpyxl.styles import Alignment

    _header(ws, [h for h, _s, _g in columns], [6 if h == "No" else 30 for h, _s, _g in columns])
    for c in contexts:
        for cell in append_row(ws, [getter(c) for _h, _s, getter in columns]):
            cell.alignment = Alignment(wrap_text=True, vertical="top")


def _save(wb):
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def sinovik_workbook(session, competition, level, contexts=None):
    """The XLSX (bytes) of the level's nominations in SINOVIK's proposal structure."""
    from openpyxl import Workbook

    contexts = _contexts(session, competition, level) if contexts is None else contexts
    wb = Workbook()
    ws = wb.active
    ws.title = SINOVIK_SHEET
    _table(ws, SINOVIK_COLUMNS, contexts)
    _mapping_sheet(wb, SINOVIK_COLUMNS)
    _info_sheet(wb, competition, level, "Usulan inovasi untuk SINOVIK (KIPP)", len(contexts))
    return _save(wb)


def iid_workbook(session, competition, level):
    """The XLSX (bytes) of the level's nominations as IID profiles with their indicator evidence."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment

    contexts = _contexts(session, competition, level)
    wb = Workbook()
    ws = wb.active
    ws.title = IID_SHEET
    _table(ws, IID_COLUMNS, contexts)
    ws = wb.create_sheet(INDICATOR_SHEET)
    _header(ws, INDICATOR_HEADER, (6, 40, 12, 28, 60, 60))
    for c in contexts:
        for code, name, data, proof in _indicators(c):
            for cell in append_row(ws, (c["n"], c["innovation"].title, code, name, data, proof)):
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    _mapping_sheet(wb, IID_COLUMNS)
    _info_sheet(wb, competition, level, "Profil inovasi untuk Indeks Inovasi Daerah (Kemendagri)", len(contexts))
    return _save(wb)


def sinovik_zip(session, competition, level, open_stream):
    """The SINOVIK workbook plus every nominated innovation's evidence files, as a spooled temporary file
    positioned at its start (the caller streams and closes it). ``open_stream(attachment)`` reads a stored file."""
    contexts = _contexts(session, competition, level)
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)
    try:
        with zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(filename(competition, level, "sinovik"),
                             sinovik_workbook(session, competition, level, contexts))
            for c in contexts:
                for attachment in c["files"]:
                    with open_stream(attachment) as source, \
                            archive.open(_path(c, attachment), "w", force_zip64=True) as target:
                        shutil.copyfileobj(source, target, CHUNK)
        spool.seek(0)
    except BaseException:
        spool.close()
        raise
    return spool


def filename(competition, level, fmt, archive=False):
    """``nominasi-<year>-<level|semua>-<format>.xlsx`` (``.zip`` for the archive)."""
    return f"nominasi-{competition.year}-{level or 'semua'}-{fmt}.{'zip' if archive else 'xlsx'}"

