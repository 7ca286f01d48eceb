"""Benchmark of official documents (issue 6).

1. A decree with a 150-row annex: content + render (WeasyPrint, PDF/A-3u) + PAdES sign with the visible stamp,
   against WeasyPrint rendering the same HTML alone.
2. Certificates per second on 2 cores: 2 worker processes, each issuing its share with the real
   ``certificates.issue_certificates`` (app/commands/certificates.py: read, QR, render, sign, store durably, insert and commit, in the production
   batches), against 2 processes rendering the HTML of the same certificates with WeasyPrint alone.

Like with like: the baseline renders the same HTML through the same asset-only url_fetcher with the same
``pdf_variant`` ("pdf/a-3u") and — as the application does — one WeasyPrint FontConfiguration kept per process
(``render.font_configuration``). A second baseline, WeasyPrint's default call (a new FontConfiguration per
render), is reported for reference only. Each ratio is (time per document, ours) / (time per document,
WeasyPrint alone); target ≤ 1.3.

Measurement: both sides the same way, interleaved: each repetition ("round") measures the baseline(s), then
ours, back to back, so that a load change on the (shared) machine hits both; a full garbage collection
(untimed) before each timed part on both sides, so that none pays for the garbage of the one before.
Reported: the median over the rounds of each side, the ratio of the medians, and the range of the per-round
ratios. Certificate rounds use a barrier so that the two processes of a side run at the same time; the time
of a side is the slower process's. Warm-up (first render, first signature, app creation) is excluded from
both sides, and both get the same process set-up (``jobs.freeze_long_lived``, as a job worker).

Usage: python bench/bench_documents.py [--rows 150] [--certs 60] [--repeat 5] [--profile]
Runs on a throwaway SQLite database and storage under a temporary directory.
"""
import argparse
import datetime
import gc
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
PDF_VARIANT = "pdf/a-3u"


def make_app():
    from app import create_app

    return create_app(CONFIG)


def seed(app, rows, extra_awards=0):
    """A competition with ``rows`` + ``extra_awards`` awards and a draft decree. The decree benchmark renders
    the first ``rows`` in the annex; the certificates come from the signed decree, which lists them all."""
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
        for i in range(rows + extra_awards):
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


def weasy_alone(html, shared_fonts=True):
    """WeasyPrint alone: the same HTML, fetcher and PDF variant as the application's renderer; with
    ``shared_fonts`` the same per-process FontConfiguration too (else WeasyPrint's default, a new one)."""
    from weasyprint import HTML

    from app.services.documents.render import AssetOnlyFetcher, allowed_assets, font_configuration

    options = {"font_config": font_configuration()} if shared_fonts else {}
    return HTML(string=html, url_fetcher=AssetOnlyFetcher(allowed_assets())).write_pdf(pdf_variant=PDF_VARIANT,
                                                                                      **options)


def _timed(func):
    gc.collect()  # start clean: no side pays for collecting the garbage of the run before it
    start = time.perf_counter()
    func()
    return time.perf_counter() - start


def summary(values):
    return statistics.median(values), min(values), max(values)


def bench_decree(app, decree_id, rows, repeat, profile=False):
    from app.extensions import db
    from app.models import Decree
    from app.models.base import utcnow
    from app.services.documents import content, issuing, signing
    from app.services.documents.render import render_html

    with app.app_context():
        decree = db.session.get(Decree, decree_id)
        now = utcnow()
        decree.number = "188/1/438.1.1.3/2026"
        url = issuing.verify_url(app.config, "benchcode")
        annex = {"award_ids": [a.id for a, _i, _u in content.competition_awards(db.session, decree.competition_id)]
                 [:rows]}  # the first ``rows`` awards, as a signed decree's manifest lists them
        ctx = content.decree_context(db.session, decree, app.config, draft=False, number=decree.number,
                                     signed_at=now, verify_url=url, award_ids=annex["award_ids"])
        html = render_html("decree.html", **ctx)

        def full():
            # A decree's stamp (its date) is new when it is signed: laid out afresh, not copied from a kept one.
            signing.forget_stamp_appearances()
            rendered, _ctx = issuing.render_decree(db.session, decree, app.config, draft=False, number=decree.number,
                                                   signed_at=now, url=url, manifest=annex)
            return issuing.sign_rendered(app.config, rendered, field_name="TTE", reason="bench", signed_at=now)

        pdf = full()  # warm-up (fonts, key, stamp) for both sides
        weasy_alone(html)
        if profile:
            _profile(full, "decree: render + sign")
        rounds = {"alone": [], "default": [], "ours": []}
        for _ in range(repeat):
            rounds["alone"].append(_timed(lambda: weasy_alone(html)))
            rounds["default"].append(_timed(lambda: weasy_alone(html, shared_fonts=False)))
            rounds["ours"].append(_timed(full))
        pages = len(__import__("pypdf").PdfReader(__import__("io").BytesIO(pdf)).pages)
        db.session.rollback()
    return rounds, pages


def _profile(func, label, count=1):
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(count):
        func()
    profiler.disable()
    print(f"--- cProfile, {label}, top 30 cumulative")
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)


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


# -- worker processes (spawned; one app and one warm-up per process) --------------------------------------

_worker = {}


def _init_worker(barrier):
    _worker["barrier"] = barrier


def _together():
    """Wait for the other process of the side (so that both run at the same time)."""
    _worker["barrier"].wait(timeout=600)


def _worker_issue(args):
    try:
        return _issue_share(*args)
    except BaseException:
        _worker["barrier"].abort()  # the other process must not wait for this one forever
        raise


def _issue_share(decree_id, warm_up_id, award_ids):
    from app.commands import certificates
    from app.extensions import db

    if "app" not in _worker:
        from app import jobs

        _worker["app"] = make_app()
        jobs.freeze_long_lived()  # as a job worker process does once its app is built
    app = _worker["app"]
    with app.app_context():
        if warm_up_id is not None:
            certificates.issue_certificates(db.session, decree_id, [warm_up_id], app.config)  # excluded
        gc.collect()
        _together()
        start = time.perf_counter()
        issued = certificates.issue_certificates(db.session, decree_id, award_ids, app.config)
        elapsed = time.perf_counter() - start
        db.session.remove()
    if issued != len(award_ids):
        raise RuntimeError(f"issued {issued} of {len(award_ids)} certificates")
    return elapsed, issued


def _worker_alone(args):
    try:
        return _render_share(*args)
    except BaseException:
        _worker["barrier"].abort()
        raise


def _render_share(htmls, shared_fonts):
    if "frozen" not in _worker:
        from app import jobs

        jobs.freeze_long_lived()  # the same process set-up as the issuing side
        _worker["frozen"] = True
    weasy_alone(htmls[0], shared_fonts)  # warm-up (excluded)
    gc.collect()
    _together()
    start = time.perf_counter()
    for html in htmls:
        weasy_alone(html, shared_fonts)
    return time.perf_counter() - start, len(htmls)


def _rate(results):
    """Documents per second of a side: all documents over the slower process's time."""
    return sum(n for _t, n in results) / max(t for t, _n in results)


def certificate_html(app, decree_id, award_ids):
    """The HTML of the certificates of ``award_ids``, as issuing makes it (each with a verification code)."""
    from app.extensions import db
    from app.models import Award, Decree
    from app.services.documents import content, issuing
    from app.services.documents.render import render_html

    with app.app_context():
        decree = db.session.get(Decree, decree_id)
        htmls = [render_html("certificate.html", **content.certificate_context(
            db.session, db.session.get(Award, award_id), decree, app.config,
            verify_url=issuing.verify_url(app.config, issuing.new_code()))) for award_id in award_ids]
        db.session.rollback()
    return htmls


def bench_certificates(app, decree_id, certs, repeat):
    award_ids = _sign_decree(app, decree_id)
    half = certs // 2
    needed = 2 + repeat * 2 * half
    if len(award_ids) < needed:
        raise SystemExit(f"{len(award_ids)} awards, {needed} needed: raise --rows or lower --certs/--repeat")
    ctx = get_context("spawn")
    barrier = ctx.Barrier(2)
    rounds = {"alone": [], "default": [], "ours": []}
    with ctx.Pool(2, initializer=_init_worker, initargs=(barrier,)) as pool:
        warm, rest = award_ids[:2], award_ids[2:]
        for r in range(repeat):
            chunk = rest[r * 2 * half:(r + 1) * 2 * half]
            shares = [chunk[i::2] for i in range(2)]
            # the baselines render the very certificates this round issues (same HTML but the random code)
            htmls = [certificate_html(app, decree_id, share) for share in shares]
            rounds["alone"].append(_rate(pool.map(_worker_alone, [(h, True) for h in htmls], chunksize=1)))
            rounds["default"].append(_rate(pool.map(_worker_alone, [(h, False) for h in htmls], chunksize=1)))
            rounds["ours"].append(_rate(pool.map(
                _worker_issue, [(decree_id, warm[i] if r == 0 else None, shares[i]) for i in range(2)], chunksize=1)))
    return rounds


def _issue_profile(app, decree_id, count):
    """cProfile of issuing ``count`` certificates in this process (after a warm-up)."""
    from app.commands import certificates
    from app.extensions import db
    from app.models import IssuedDocument
    from app.services.documents import issuing

    with app.app_context():
        wanted = issuing.manifest(issuing.decree_document(db.session, decree_id))["award_ids"]
        done = {a for (a,) in db.session.query(IssuedDocument.award_id).filter(IssuedDocument.decree_id == decree_id)}
        todo = [a for a in wanted if a not in done][:count + 1]
        db.session.rollback()
        certificates.issue_certificates(db.session, decree_id, todo[:1], app.config)
        _profile(lambda: certificates.issue_certificates(db.session, decree_id, todo[1:], app.config),
                 f"{count} certificates issued in one process")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=150, help="awards in the decree's annex")
    parser.add_argument("--certs", type=int, default=60, help="certificates per round (both processes)")
    parser.add_argument("--repeat", type=int, default=5, help="rounds (repetitions) of each measurement")
    parser.add_argument("--profile", action="store_true", help="cProfile the decree and 20 certificates")
    args = parser.parse_args()
    extra = max(0, 2 + args.repeat * args.certs + (21 if args.profile else 0) - args.rows)
    app = make_app()
    decree_id = seed(app, args.rows, extra)
    decree, pages = bench_decree(app, decree_id, args.rows, args.repeat, profile=args.profile)
    certs = bench_certificates(app, decree_id, args.certs, args.repeat)
    if args.profile:
        _issue_profile(app, decree_id, 20)

    def spread(ours, alone, per_doc_time):
        ratios = [(o / a) if per_doc_time else (a / o) for o, a in zip(ours, alone)]
        return statistics.median(ratios), min(ratios), max(ratios)

    a, d, o = (summary(decree[k]) for k in ("alone", "default", "ours"))
    r, r_lo, r_hi = spread(decree["ours"], decree["alone"], True)
    rd = o[0] / d[0]
    ca, cd, co = (summary(certs[k]) for k in ("alone", "default", "ours"))
    c, c_lo, c_hi = spread(certs["ours"], certs["alone"], False)
    cdr = cd[0] / co[0]
    lines = [
        f"Decree, {args.rows}-row annex ({pages} pages), {args.repeat} rounds, median (min-max):",
        f"  WeasyPrint alone (same HTML, fetcher, PDF/A-3u, shared fonts) {a[0]:.2f} s ({a[1]:.2f}-{a[2]:.2f})",
        f"  WeasyPrint default call (new FontConfiguration per render)    {d[0]:.2f} s ({d[1]:.2f}-{d[2]:.2f})",
        f"  content + render + PAdES sign                                 {o[0]:.2f} s ({o[1]:.2f}-{o[2]:.2f})",
        f"  ratio {o[0] / a[0]:.2f} (per round {r:.2f}, {r_lo:.2f}-{r_hi:.2f}); vs default call {rd:.2f}",
        f"Certificates on 2 processes, {args.certs} per round, {args.repeat} rounds, median (min-max):",
        f"  WeasyPrint alone (same options, shared fonts) {ca[0]:.2f}/s ({ca[1]:.2f}-{ca[2]:.2f})",
        f"  WeasyPrint default call                       {cd[0]:.2f}/s ({cd[1]:.2f}-{cd[2]:.2f})",
        f"  issued (read, QR, render, sign, store, commit) {co[0]:.2f}/s ({co[1]:.2f}-{co[2]:.2f})",
        f"  ratio (time per certificate) {ca[0] / co[0]:.2f} (per round {c:.2f}, {c_lo:.2f}-{c_hi:.2f}); "
        f"vs default call {cdr:.2f}",
    ]
    print("\n".join(lines))


if __name__ == "__main__":
    main()
