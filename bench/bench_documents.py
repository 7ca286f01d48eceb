"""Benchmark of official documents (issue 6).

1. A decree with a 150-row annex: render (content + WeasyPrint, PDF/A-3u) + PAdES sign, against WeasyPrint
   rendering the same HTML alone (same fonts through the same fetcher, plain PDF).
2. Certificates per second on 2 cores (2 worker processes, each issuing its share with the real
   ``issue_certificate``: render, sign, store, insert), against 2 processes rendering the same certificate
   HTML with WeasyPrint alone.
Each is reported as a ratio (target ≤ 1.3). Usage: python bench/bench_documents.py [--rows 150] [--certs 40]
Runs on a throwaway SQLite database and storage under a temporary directory; appends to bench/README.md
with --record.
"""
import argparse
import datetime
import os
import statistics
import sys
import tempfile
import time
from multiprocessing import get_context

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
TMP = os.environ.get("SIKIPP_BENCH_DIR") or tempfile.mkdtemp(prefix="sikipp-bench-docs-")
os.environ["SIKIPP_BENCH_DIR"] = TMP  # the worker processes (spawned) use the same database and storage
os.environ.setdefault("SIKIPP_INSTANCE_DIR", TMP)
CONFIG = {"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{TMP}/bench.db", "SIKIPP_STORAGE_DIR": f"{TMP}/storage",
          "SIKIPP_DEV_SIGNING_DIR": f"{TMP}/signing", "SIKIPP_JOBS_MODE": "manual",
          "SIKIPP_BASE_URL": "https://sikipp.example.test"}


def make_app():
    from app import create_app

    return create_app(CONFIG)


def seed(app, rows):
    from flask_migrate import upgrade

    from app import sync_security
    from app.extensions import db
    from app.models import Competition, Decree, Innovation, Unit
    from app.services import awards, decrees

    with app.app_context():
        upgrade()
        sync_security(app.appbuilder)
        kinds = ("opd", "kecamatan", "puskesmas", "smp")
        units = [Unit(code=f"B{i:03d}", name=f"Unit Pelayanan Publik Nomor {i}", kind=kinds[i % 4],
                      sakip_grade="A" if i % 9 == 0 else "B") for i in range(60)]
        comp = Competition(name="Kompetisi Inovasi Pelayanan Publik Kabupaten Sidoarjo", year=2026,
                           submission_deadline=datetime.datetime(2026, 7, 1))
        db.session.add_all(units + [comp])
        db.session.flush()
        titles = ("Juara I", "Juara II", "Juara III", "Harapan I", "Harapan II", "Harapan III")
        for i in range(rows):
            inn = Innovation(competition_id=comp.id, unit_id=units[i % 60].id, state="awarded", version=1,
                             title=f"Inovasi layanan publik terpadu berbasis digital nomor {i + 1}")
            db.session.add(inn)
            db.session.flush()
            awards.create_award(db.session, inn, titles[i % 6], 5000000 + 250000 * (i % 7), score=95 - i * 0.1)
        decree = Decree(competition_id=comp.id)
        decrees.prepare_draft(db.session, decree, app.config)
        db.session.add(decree)
        db.session.commit()
        return decree.id


def weasy_alone(html):
    from weasyprint import HTML

    from app.services.documents.render import AssetOnlyFetcher, allowed_assets

    return HTML(string=html, url_fetcher=AssetOnlyFetcher(allowed_assets())).write_pdf()


def best_of(n, func):
    times = []
    for _ in range(n):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return min(times), statistics.median(times)


def bench_decree(app, decree_id, repeat):
    from app.extensions import db
    from app.models import Decree
    from app.models.base import utcnow
    from app.services.documents import content, issuing
    from app.services.documents.render import render_html

    with app.app_context():
        decree = db.session.get(Decree, decree_id)
        now = utcnow()
        decree.number = "188/1/438.1.1.3/2026"
        url = issuing.verify_url(app.config, "benchcode")
        ctx = content.decree_context(db.session, decree, app.config, draft=False, number=decree.number,
                                     signed_at=now, verify_url=url)
        html = render_html("decree.html", **ctx)
        issuing.sign_rendered(app.config, issuing.render_decree(db.session, decree, app.config, draft=False,
                                                                number=decree.number, signed_at=now, url=url)[0],
                              field_name="TTE", reason="warm-up", signed_at=now)  # warm caches (fonts, key)
        alone = best_of(repeat, lambda: weasy_alone(html))

        def full():
            rendered, _ctx = issuing.render_decree(db.session, decree, app.config, draft=False, number=decree.number,
                                                   signed_at=now, url=url)
            return issuing.sign_rendered(app.config, rendered, field_name="TTE", reason="bench", signed_at=now)

        ours = best_of(repeat, full)
        pages = len(__import__("pypdf").PdfReader(__import__("io").BytesIO(full())).pages)
        db.session.rollback()
    return alone, ours, pages


def _sign_decree(app, decree_id):
    from app.extensions import db
    from app.models import Decree
    from app.models.base import utcnow
    from app.services import decrees
    from app.services.documents import issuing

    with app.app_context():
        decree = db.session.get(Decree, decree_id)
        now = utcnow()
        decrees.assign_number(db.session, decree, app.config["SIKIPP_DECREE_NUMBER_PATTERN"], now)
        decree.signed_at, decree.state = now, "signed"
        issuing.sign_decree(db.session, decree, app.config, now)
        db.session.commit()
        return issuing.manifest(issuing.decree_document(db.session, decree_id))["award_ids"]


def _worker_issue(args):
    decree_id, award_ids = args
    app = make_app()
    from app.extensions import db
    from app.services.documents import issuing

    with app.app_context():
        issuing.issue_certificate(db.session, decree_id, award_ids[0], app.config)  # warm-up (excluded)
        start = time.perf_counter()
        for award_id in award_ids[1:]:
            issuing.issue_certificate(db.session, decree_id, award_id, app.config)
        return time.perf_counter() - start, len(award_ids) - 1


def _worker_alone(args):
    html, count = args
    weasy_alone(html)  # warm-up (excluded)
    start = time.perf_counter()
    for _ in range(count):
        weasy_alone(html)
    return time.perf_counter() - start, count


def bench_certificates(app, decree_id, certs):
    from app.extensions import db
    from app.models import Award, Decree
    from app.services.documents import content, issuing
    from app.services.documents.render import render_html

    award_ids = _sign_decree(app, decree_id)[: certs + 2]
    with app.app_context():
        award = db.session.get(Award, award_ids[0])
        decree = db.session.get(Decree, decree_id)
        html = render_html("certificate.html", **content.certificate_context(
            db.session, award, decree, app.config, verify_url=issuing.verify_url(app.config, "benchcode")))
    pool = get_context("spawn").Pool(2)
    try:
        start = time.perf_counter()
        alone = pool.map(_worker_alone, [(html, certs // 2)] * 2)
        alone_wall = time.perf_counter() - start
        shares = [(decree_id, award_ids[0::2]), (decree_id, award_ids[1::2])]
        ours = pool.map(_worker_issue, shares)
    finally:
        pool.close()
        pool.join()
    alone_rate = sum(n for _t, n in alone) / max(t for t, _n in alone)
    ours_rate = sum(n for _t, n in ours) / max(t for t, _n in ours)
    return alone_rate, ours_rate, alone_wall


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=150)
    parser.add_argument("--certs", type=int, default=40)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--record", action="store_true", help="append the numbers to bench/README.md")
    args = parser.parse_args()
    app = make_app()
    decree_id = seed(app, args.rows)
    (alone_min, alone_med), (ours_min, ours_med), pages = bench_decree(app, decree_id, args.repeat)
    cert_alone, cert_ours, _wall = bench_certificates(app, decree_id, args.certs)
    lines = [
        f"Decree, {args.rows}-row annex ({pages} pages): WeasyPrint alone {alone_min:.2f} s (median {alone_med:.2f}); "
        f"render + PDF/A-3u + PAdES sign {ours_min:.2f} s (median {ours_med:.2f}); ratio {ours_min / alone_min:.2f}",
        f"Certificates on 2 processes: WeasyPrint alone {cert_alone:.2f}/s; issued (render + sign + store + row) "
        f"{cert_ours:.2f}/s; ratio (time per certificate) {cert_alone / cert_ours:.2f}",
    ]
    print("\n".join(lines))
    if args.record:
        with open(os.path.join(ROOT, "bench", "README.md"), "a") as fh:
            fh.write(f"\n## Official documents (bench/bench_documents.py, {datetime.date.today().isoformat()}, "
                     f"{os.cpu_count()} cores)\n\n" + "\n".join(f"- {line}" for line in lines) + "\n")


if __name__ == "__main__":
    main()
