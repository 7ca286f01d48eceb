"""National-scale synthetic data for benchmarks (``flask --app run.py kipp synth --innovations N``).

Bulk inserts (``COPY`` on PostgreSQL, executemany ``INSERT … RETURNING`` elsewhere; one transaction per
batch), no workflow transitions and no history rows: rows are written directly in their final state, spread
over every innovation state. Verified, scored and awarded innovations get jury assignments in the first round;
scored and awarded ones get final score sheets with a score for every criterion, and awarded ones an
award, so that rankings, jury screens and lists can be measured at scale.

Units (``SYN-000001`` …, ``is_demo``) and jurors (``synth_juri_0001`` …, no usable password) are reused
by later runs; each run adds a new synthetic competition.
"""
import datetime
import json
import random
import secrets
import time
from collections import Counter
from dataclasses import dataclass, field

from flask import current_app
from psycopg import sql as psql
from sqlalchemy import JSON, insert, text
from werkzeug.security import generate_password_hash

from app.models import (
    Assignment,
    Award,
    Competition,
    Criterion,
    Innovation,
    Round,
    Score,
    ScoreSheet,
    Unit,
    User,
)
from app.models.base import utcnow
from app.models.states import AssignmentStatus, InnovationState, UnitKind
from app.services import ranking
from app.services.competitions import add_default_rounds

S = InnovationState
# Share of each state (every state of the lifecycle: a KeyError here means a new state needs its share).
STATE_SHARES = {S.DRAFT: 18, S.SUBMITTED: 14, S.VERIFIED: 20, S.SCORED: 22, S.AWARDED: 2, S.REJECTED: 16,
                S.WITHDRAWN: 8}
STATE_WEIGHTS = tuple((state.value, STATE_SHARES[state]) for state in InnovationState)
JUDGED = (S.VERIFIED.value, S.SCORED.value, S.AWARDED.value)  # jury assignments in the first round
SCORED = (S.SCORED.value, S.AWARDED.value)  # and final sheets
JURORS_PER_INNOVATION = 3
KIND_SHARES = {UnitKind.OPD: 35, UnitKind.KECAMATAN: 20, UnitKind.PUSKESMAS: 25, UnitKind.SMP: 15, UnitKind.LAINNYA: 5}
KIND_WEIGHTS = tuple((kind.value, KIND_SHARES[kind]) for kind in UnitKind)
KIND_PREFIXES = {
    "opd": ("Dinas Kesehatan", "Dinas Pendidikan", "Dinas Kependudukan dan Pencatatan Sipil", "DPMPTSP",
            "Dinas Sosial", "Dinas Perhubungan", "Bappeda", "BPKAD", "Bapenda", "RSUD",
            "Dinas Lingkungan Hidup", "Dinas Komunikasi dan Informatika"),
    "kecamatan": ("Kecamatan",),
    "puskesmas": ("Puskesmas",),
    "smp": ("SMP Negeri 1", "SMP Negeri 2", "SMP Negeri 3"),
    "lainnya": ("UPT", "Kelurahan", "Desa"),
}
REGIONS = (
    "Aceh Besar", "Deli Serdang", "Padang Pariaman", "Kampar", "Muaro Jambi", "Ogan Ilir", "Lampung Selatan",
    "Bangka", "Bintan", "Bogor", "Bandung", "Sumedang", "Banyumas", "Klaten", "Sleman", "Bantul", "Sidoarjo",
    "Gresik", "Banyuwangi", "Malang", "Lamongan", "Tangerang", "Badung", "Lombok Barat", "Kupang", "Kubu Raya",
    "Kotawaringin Barat", "Banjar", "Kutai Kartanegara", "Minahasa", "Donggala", "Gowa", "Bone", "Konawe",
    "Gorontalo", "Mamuju", "Maluku Tengah", "Halmahera Utara", "Jayapura", "Manokwari", "Kota Surabaya",
    "Kota Semarang", "Kota Makassar", "Kota Medan", "Kota Denpasar", "Kota Balikpapan",
)
FIELDS = ("pelayanan kesehatan", "administrasi kependudukan", "perizinan berusaha", "pendidikan", "perlindungan "
          "sosial", "transportasi", "pengelolaan sampah", "keuangan daerah", "pajak daerah", "ketahanan pangan")
TARGETS = ("warga lanjut usia", "pelaku usaha mikro", "ibu hamil dan balita", "pelajar", "keluarga miskin",
           "pencari kerja", "warga desa terpencil", "penyandang disabilitas")
WORDS = ("SI", "E-", "GERCEP", "LAYAN", "SIGAP", "JEMPOL", "SAKTI", "CERIA", "PINTAR", "TANGGAP", "SEHAT", "MANTAP")


@dataclass
class SynthReport:
    competition_id: int = None
    competition_name: str = None
    innovations: int = 0
    states: Counter = field(default_factory=Counter)
    units_created: int = 0
    units_used: int = 0
    jurors_created: int = 0
    jurors_used: int = 0
    assignments: int = 0
    sheets: int = 0
    scores: int = 0
    awards: int = 0
    seconds: float = 0.0


def _weighted(rng, weights):
    names = [n for n, _w in weights]
    return rng.choices(names, weights=[w for _n, w in weights], k=1)[0]


class _DefaultContext:
    """What a context-sensitive column default reads of the row being inserted (SQLAlchemy's execution context)."""

    def __init__(self, row):
        self.current_parameters = row

    def get_current_parameters(self, isolate_multiinsert_groups=True):
        return self.current_parameters


def _bulk_insert(session, model, rows, *, ids=True):
    """Insert ``rows`` (dicts with the same keys) in one go; returns their new ids in row order (``ids``).

    PostgreSQL: the ids are taken from the table's sequence in one statement and the rows sent with ``COPY``
    (psycopg's ``Cursor.copy``, in the session's transaction). SQLAlchemy's executemany ``INSERT … RETURNING``
    starts a new statement wherever a column switches between NULL and a value, so the units (an optional SAKIP
    grade) went nearly one row per statement: 3,506 INSERTs for 12,500 units. Elsewhere (SQLite): executemany
    ``INSERT … RETURNING`` (SQLite ≥ 3.35), results in parameter order.
    """
    if not rows:
        return []
    table = model.__table__
    if session.get_bind().dialect.name != "postgresql":
        if not ids:
            session.execute(insert(model), rows)
            return []
        stmt = insert(model).returning(table.c.id, sort_by_parameter_order=True)
        return [r[0] for r in session.execute(stmt, rows)]
    # COPY bypasses SQLAlchemy: the Python-side defaults of the columns the rows leave out (e.g. a value computed
    # from another column) are applied here, as an INSERT through SQLAlchemy would.
    defaults = {c.key: c.default for c in table.c if c.key not in rows[0] and c.default is not None
                and not c.default.is_sequence and not c.default.is_clause_element}
    if defaults:
        rows = [{**row, **{key: (d.arg(_DefaultContext(row)) if d.is_callable else d.arg)
                           for key, d in defaults.items()}} for row in rows]
    keys = list(rows[0])
    json_keys = {k for k in keys if isinstance(table.c[k].type, JSON)}

    def value(row, key):
        return json.dumps(row[key]) if key in json_keys and row[key] is not None else row[key]

    new_ids = []
    if ids:
        new_ids = session.execute(text("SELECT nextval(pg_get_serial_sequence(:table, 'id')) "
                                       "FROM generate_series(1, :n)"), {"table": table.name, "n": len(rows)}
                                  ).scalars().all()
    columns = (["id"] if ids else []) + keys
    statement = psql.SQL("COPY {} ({}) FROM STDIN").format(
        psql.Identifier(table.name), psql.SQL(", ").join(psql.Identifier(c) for c in columns))
    driver = session.connection().connection.driver_connection
    with driver.cursor() as cursor, cursor.copy(statement) as copy:
        for position, row in enumerate(rows):
            values = [value(row, k) for k in keys]
            copy.write_row([new_ids[position], *values] if ids else values)
    return new_ids


def ensure_units(session, count, rng):
    """``count`` synthetic units (existing ``SYN-`` units are reused); returns ([(id, kind)], created)."""
    codes = [f"SYN-{i:06d}" for i in range(1, count + 1)]
    existing = {code: (uid, kind) for uid, code, kind in
                session.query(Unit.id, Unit.code, Unit.kind).filter(Unit.code.like("SYN-%"))}
    rows = []
    for i, code in enumerate(codes, start=1):
        if code in existing:
            continue
        kind = _weighted(rng, KIND_WEIGHTS)
        prefix = rng.choice(KIND_PREFIXES[kind])
        region = REGIONS[i % len(REGIONS)]
        rows.append({"code": code, "name": f"{prefix} {region} (sintetis {i})", "kind": kind,
                     "sakip_grade": rng.choice((None, "A", "BB", "B", "CC", "C")), "is_demo": True})
    for uid, row in zip(_bulk_insert(session, Unit, rows), rows):
        existing[row["code"]] = (uid, row["kind"])
    session.commit()
    return [existing[code] for code in codes], len(rows)


def ensure_jurors(session, count):
    """``count`` synthetic jurors (role Juri, an unknown random password); returns ([id], created)."""
    names = [f"synth_juri_{i:04d}" for i in range(1, count + 1)]
    existing = {name: uid for uid, name in session.query(User.id, User.username).filter(User.username.in_(names))}
    missing = [n for n in names if n not in existing]
    if missing:
        role = current_app.appbuilder.sm.find_role("Juri")
        password = generate_password_hash(secrets.token_urlsafe(32), method="pbkdf2:sha256:1000")
        now = datetime.datetime.now()
        users = [User(username=name, first_name="Juri", last_name=f"Sintetis {name[-4:]}", email=f"{name}@synth.invalid",
                      active=True, password=password, roles=[role], created_on=now, changed_on=now)
                 for name in missing]
        session.add_all(users)
        session.commit()
        # One query for the new ids (reading u.id after the commit would reload each user: 1,000 SELECTs).
        existing.update(session.query(User.username, User.id).filter(User.username.in_(missing)).all())
    return [existing[n] for n in names], len(missing)


def _text(rng, title, field_name, target):
    return {
        "summary": f"{title} adalah inovasi {field_name} yang mempercepat layanan bagi {target}.",
        "background": f"Layanan {field_name} bagi {target} lambat dan sulit dipantau sebelum {title} diterapkan.",
        "novelty": f"{title} memadukan layanan daring dan jemput bola untuk {target}.",
        "implementation": f"Diterapkan bertahap sejak uji coba, dengan SOP dan pelatihan petugas {field_name}.",
        "significance": f"Waktu layanan turun {rng.randint(20, 80)} persen dan kepuasan naik "
                        f"{rng.randint(3, 15)} poin.",
        "adaptability": f"Telah direplikasi oleh {rng.randint(0, 12)} unit lain.",
        "resources": f"Anggaran Rp{rng.randint(5, 500)} juta, {rng.randint(3, 40)} petugas.",
        "sustainability": "Ditetapkan dengan SK kepala unit, anggaran rutin dan kemitraan masyarakat.",
    }


def synthesize(session, count, *, units=None, jurors=None, seed=0, batch_size=5000, progress=None, today=None):
    """Insert ``count`` synthetic innovations (and what they need); returns a :class:`SynthReport`."""
    started = time.perf_counter()
    rng = random.Random(seed)
    today = today or datetime.date.today()
    report = SynthReport()
    now = utcnow()

    number = session.query(Competition.id).filter(Competition.name.like("Kompetisi Inovasi Sintetis%")).count() + 1
    competition = Competition(
        name=f"Kompetisi Inovasi Sintetis #{number} ({count} inovasi)", year=today.year,
        submission_deadline=now + datetime.timedelta(days=60), min_implementation_years=2, max_attachment_mb=5,
        description="Data sintetis untuk uji beban (kipp synth); bukan data nyata.",
    )
    add_default_rounds(competition)
    session.add(competition)
    session.commit()
    report.competition_id, report.competition_name = competition.id, competition.name
    first_round = session.query(Round).filter(Round.competition_id == competition.id).order_by(Round.sequence).first()
    criteria = [(c.id, c.max_score) for c in
                session.query(Criterion).filter(Criterion.round_id == first_round.id).order_by(Criterion.sequence)]

    unit_list, report.units_created = ensure_units(session, units or max(20, count // 8), rng)
    juror_ids, report.jurors_created = ensure_jurors(session, jurors or max(5, min(1000, count // 100)))
    report.units_used, report.jurors_used = len(unit_list), len(juror_ids)
    per_innovation = min(JURORS_PER_INNOVATION, len(juror_ids))
    awarded = set()  # innovation ids: awards are ranked per category once all are scored

    for offset in range(0, count, batch_size):
        size = min(batch_size, count - offset)
        rows, meta = [], []
        for i in range(offset + 1, offset + size + 1):
            unit_id, kind = unit_list[rng.randrange(len(unit_list))]
            state = _weighted(rng, STATE_WEIGHTS)
            title = f"{rng.choice(WORDS)}{rng.choice(WORDS)} {i:07d}"
            texts = _text(rng, title, rng.choice(FIELDS), rng.choice(TARGETS))
            rows.append({
                "competition_id": competition.id, "unit_id": unit_id, "title": title, **texts,
                "started_on": today - datetime.timedelta(days=rng.randint(365, 3650)),
                "video_url": None, "sdg_goals": sorted(rng.sample(range(1, 18), rng.randint(1, 3))),
                "state": state, "version": 1, "current_round_id": None, "created_by_id": None,
                "created_on": now, "changed_on": now,
            })
            meta.append((state, kind))
        innovation_ids = _bulk_insert(session, Innovation, rows)

        assignment_rows, judged = [], []
        for innovation_id, (state, kind) in zip(innovation_ids, meta):
            report.states[state] += 1
            if state in JUDGED and per_innovation:
                quality = rng.uniform(0.55, 0.95)
                for juror_id in rng.sample(juror_ids, per_innovation):
                    assignment_rows.append({"round_id": first_round.id, "innovation_id": innovation_id,
                                            "juror_id": juror_id, "status": AssignmentStatus.ACTIVE.value,
                                            "created_on": now})
                    judged.append((innovation_id, state, kind, quality))
        assignment_ids = _bulk_insert(session, Assignment, assignment_rows)
        report.assignments += len(assignment_ids)

        sheet_rows, sheet_meta = [], []
        for assignment_id, (innovation_id, state, kind, quality) in zip(assignment_ids, judged):
            if state in SCORED:
                sheet_rows.append({"assignment_id": assignment_id, "comment": None, "is_final": True,
                                   "submitted_at": now, "updated_at": now})
                sheet_meta.append((innovation_id, state, kind, quality))
        sheet_ids = _bulk_insert(session, ScoreSheet, sheet_rows)
        report.sheets += len(sheet_ids)

        score_rows = []
        for sheet_id, (innovation_id, state, _kind, quality) in zip(sheet_ids, sheet_meta):
            for criterion_id, max_score in criteria:
                value = round(max(0.0, min(max_score, quality * max_score + rng.uniform(-8, 8))) * 2) / 2
                score_rows.append({"sheet_id": sheet_id, "criterion_id": criterion_id, "value": value})
            if state == S.AWARDED:
                awarded.add(innovation_id)
        _bulk_insert(session, Score, score_rows, ids=False)
        report.scores += len(score_rows)
        session.commit()
        report.innovations += len(innovation_ids)
        if progress is not None:
            progress(report.innovations)

    report.awards = _insert_awards(session, competition.id, awarded, now)
    session.commit()
    report.seconds = time.perf_counter() - started
    return report


AWARD_TITLES = ("Juara I", "Juara II", "Juara III", "Harapan I", "Harapan II", "Harapan III")
PRIZES = (5_000_000, 3_500_000, 2_500_000, 1_500_000, 1_000_000, 1_000_000)


def _insert_awards(session, competition_id, awarded, now):
    """Awards of the ``awarded`` innovations: per category in the order of the final ranking (the scoring rule
    of app.services.scoring, computed by app.services.ranking), with that ranking's score."""
    rows, rank = [], Counter()
    for entry in ranking.final_ranking(session, competition_id):
        if entry["innovation_id"] not in awarded:
            continue
        rank[entry["bucket"]] += 1  # per group × category (issue 12)
        position = rank[entry["bucket"]]
        rows.append({"innovation_id": entry["innovation_id"], "rank": position, "category": entry["category"],
                     "group": entry["group"],
                     "title": AWARD_TITLES[position - 1] if position <= len(AWARD_TITLES) else "Finalis",
                     "prize_amount": PRIZES[position - 1] if position <= len(PRIZES) else None,
                     "score": entry["score"], "created_on": now})
    _bulk_insert(session, Award, rows, ids=False)
    return len(rows)
