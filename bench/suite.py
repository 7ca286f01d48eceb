#!/usr/bin/env python
"""SIKIPP's benchmark suite (issue 14): latency and SQL statements per request against a bare FAB 5.3 app over
the same rows, growth with the table, and a mixed load on gunicorn with 2 workers.

    python -m bench.suite                                                     # SQLite, 2,000 rows, a short load
    python -m bench.suite --sizes 35000,100000 --db sqlite,postgresql         # the issue's table (quiet machine)
    python -m bench.suite --sizes 10000,100000,1000000 --db postgresql --no-baseline   # growth to 1M
    python -m bench.suite --sizes 200 --requests 3 --load-requests 40 --json out.json  # smoke (tests/)

For every database (a fresh SQLite file, or a PostgreSQL database ``sikipp_bench_suite`` dropped and created
again) the schema is built by the migrations, then for each size, in ascending order, the table is grown to that
many innovations with ``kipp synth``'s generator (``app.cli.synth.synthesize``: bulk inserts, every state, jury
sheets) and two servers are started with gunicorn (1 sync worker each, loopback):

- SIKIPP (``bench.serve:sikipp()``: ``create_app()`` from the environment, exactly ``run:app``, with the
  repository's ``gunicorn.conf.py`` when there is one) and
- the bare FAB baseline (``bench.serve:bare()``, bench/baseline_fab.py: FAB's own ``ModelRestApi`` and
  ``ModelView`` over the same ``innovation`` table).

One client (aiohttp, one request at a time) then sends the requests of every endpoint in turn — SIKIPP's and
the baseline's interleaved, so a load change on a shared machine hits both — and reports p50/p95 per endpoint,
the ratio SIKIPP/bare for list and show (API and HTML), and the SQL statements of the request (counted by the
server's ``before_cursor_execute`` listener, ``bench/serve.py``) at page sizes 25 and 100.

At the largest size (``--load``, on by default) SIKIPP is served by ``gunicorn -w 2 run:app`` and
``--load-clients`` concurrent clients send ``--load-requests`` requests (at most ``--load-seconds``) of a mixed
workload: 70 % list/show reads, 20 % other pages (homes, ranking, notifications), 10 % writes (a draft edited by
its OPD through the API). Reported: requests/s, p50/p95/p99, errors, and each worker's RSS idle and after the
load (``/proc``).

Everything measured is written to ``--json`` (default ``bench/results/suite-<time>.json``) and printed as
markdown tables (docs/performance.md explains them).
"""
import argparse
import asyncio
import datetime
import json
import os
import platform
import random
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

PASSWORD = "Rahasia#2026kuat"
SEKRETARIAT, OPD = "bench_sekretariat", "bench_opd"
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_DATABASE = "sikipp_bench_suite"
STATE = "submitted"  # the list filter (a state of every size's rows: 14 % of synth's innovations)
RATIO_PAIRS = {  # SIKIPP endpoint (as Sekretariat: sees every row, like the bare Admin) -> bare endpoint
    "api_list": "bare_api_list", "api_show": "bare_api_show", "html_list": "bare_html_list",
    "html_show": "bare_html_show",
}
TARGETS = {"ratio": 1.2, "statements": 10, "p95_ms_100k": 300, "growth": 2.0, "rps": 150, "rss_mb": 200}


# -- databases and data ------------------------------------------------------------------------------------------

def database_url(kind, workdir, pg_admin, pg_database=PG_DATABASE):
    if kind == "sqlite":
        return "sqlite:///" + os.path.join(workdir, "sikipp.db")
    if kind == "postgresql":
        import psycopg

        with psycopg.connect(pg_admin.replace("+psycopg", "", 1), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{pg_database}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{pg_database}"')
        base = pg_admin.rsplit("/", 1)[0].replace("+psycopg", "", 1).replace("postgresql://", "postgresql+psycopg://", 1)
        return f"{base}/{pg_database}"
    raise SystemExit(f"unknown database {kind!r} (sqlite or postgresql)")


def drop_database(kind, pg_admin, pg_database=PG_DATABASE):
    if kind == "postgresql":
        import psycopg

        with psycopg.connect(pg_admin.replace("+psycopg", "", 1), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{pg_database}" WITH (FORCE)')


def grow(app, target, drafts, log):
    """Synthesise innovations until the table holds ``target``; (re)create the bench accounts and read the ids
    the requests need. Returns that context (a dict)."""
    from sqlalchemy import func, select

    from app.cli import synth
    from app.commands import users
    from app.extensions import db
    from app.models import Competition, Innovation, Round, User
    from app.models.base import utcnow

    with app.app_context():
        session = db.session
        current = session.scalar(select(func.count()).select_from(Innovation))
        if target > current:
            started = time.perf_counter()
            report = synth.synthesize(session, target - current, seed=target)
            log(f"  synth: {report.innovations} innovations in {time.perf_counter() - started:.1f} s")
        # The OPD account belongs to the unit with the most innovations (its list is not empty).
        unit_id = session.execute(select(Innovation.unit_id, func.count()).group_by(Innovation.unit_id)
                                  .order_by(func.count().desc(), Innovation.unit_id).limit(1)).first()[0]
        if session.scalar(select(User.id).where(User.username == SEKRETARIAT)) is None:
            from app.models import Unit

            users.add_user(session, username=SEKRETARIAT, password=PASSWORD, role="Sekretariat", name="Bench Sekr")
            code = session.get(Unit, unit_id).code
            users.add_user(session, username=OPD, password=PASSWORD, role="OPD", unit_code=code, name="Bench OPD")
        opd = session.scalar(select(User).where(User.username == OPD))
        unit_id = opd.unit_id
        competition_id = session.execute(select(Innovation.competition_id, func.count())
                                         .group_by(Innovation.competition_id)
                                         .order_by(func.count().desc()).limit(1)).first()[0]
        # Drafts of the OPD's unit that the load's writers edit (one per client: no two writers on one row).
        have = session.scalars(select(Innovation.id).where(Innovation.unit_id == unit_id,
                                                           Innovation.state == "draft",
                                                           Innovation.title.like("Bench draft %"))).all()
        if len(have) < drafts:
            now = utcnow()
            session.execute(Innovation.__table__.insert(), [
                {"competition_id": competition_id, "unit_id": unit_id, "title": f"Bench draft {len(have) + i}",
                 "summary": "Draf untuk uji beban.", "state": "draft", "version": 1, "created_on": now,
                 "changed_on": now, "sdg_goals": [1]} for i in range(drafts - len(have))])
            session.commit()
        draft_ids = session.scalars(select(Innovation.id).where(Innovation.unit_id == unit_id,
                                                                Innovation.title.like("Bench draft %"))
                                    .order_by(Innovation.id)).all()
        show_id = session.scalar(select(Innovation.id).where(Innovation.unit_id == unit_id,
                                                             Innovation.state == STATE).order_by(Innovation.id)
                                 .limit(1)) or draft_ids[0]
        round_id = session.scalar(select(Round.id).where(Round.competition_id == competition_id)
                                  .order_by(Round.sequence).limit(1))
        ranked = session.scalar(select(func.count()).select_from(Innovation)
                                .where(Innovation.competition_id == competition_id))
        total = session.scalar(select(func.count()).select_from(Innovation))
        competitions = session.scalar(select(func.count()).select_from(Competition))
        session.remove()
    return {"innovations": total, "unit_id": unit_id, "show_id": show_id, "draft_ids": draft_ids,
            "round_id": round_id, "competition_id": competition_id, "round_innovations": ranked,
            "competitions": competitions}


# -- servers -----------------------------------------------------------------------------------------------------

def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """A gunicorn master on a loopback port; its log goes to a file in the work directory."""

    def __init__(self, name, target, env, workdir, workers=1, config=None):
        self.name, self.port = name, free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = os.path.join(workdir, f"{name}.log")
        command = [sys.executable, "-m", "gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{self.port}",
                   "--timeout", "900", "-c", config, target]
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)

    def wait_ready(self, path, timeout=180):
        import urllib.error
        import urllib.request

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited ({self.process.returncode}); see {self.log_path}")
            try:
                with urllib.request.urlopen(self.base + path, timeout=30):
                    return
            except urllib.error.HTTPError:
                return  # answered
            except OSError:
                time.sleep(0.3)
        raise RuntimeError(f"{self.name} not ready after {timeout} s; see {self.log_path}")

    def worker_pids(self):
        try:
            with open(f"/proc/{self.process.pid}/task/{self.process.pid}/children") as f:
                return [int(p) for p in f.read().split()]
        except OSError:
            return []

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def rss_mb(pid, field="VmRSS:", source="status"):
    """A worker's resident memory in MB (``/proc/<pid>/status`` VmRSS; ``pss_mb``: its proportional share)."""
    try:
        with open(f"/proc/{pid}/{source}") as f:
            for line in f:
                if line.startswith(field):
                    return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return None


def pss_mb(pid):
    """Proportional set size: pages shared with the master (gunicorn ``preload_app``) counted once per sharer,
    which RSS counts in full in every worker."""
    return rss_mb(pid, "Pss:", "smaps_rollup")


def server_env(database_url, workdir):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SIKIPP_", "REDIS_URL", "DATABASE_URL"))}
    env.update({
        "DATABASE_URL": database_url, "SECRET_KEY": secrets.token_urlsafe(32),
        "SIKIPP_INSTANCE_DIR": os.path.join(workdir, "instance"),
        "SIKIPP_STORAGE_DIR": os.path.join(workdir, "storage"),
        "BENCH_DATABASE_URL": database_url,
        "BENCH_SECURITY_URL": "sqlite:///" + os.path.join(workdir, "bare_security.db"),
        "PYTHONPATH": ROOT,
    })
    return env


def gunicorn_configs(workdir, sikipp_config):
    """(SIKIPP's config, the baseline's): the repository's gunicorn.conf.py (how SIKIPP is deployed) when there is
    one, else an empty file; the baseline always gets the empty one (gunicorn would otherwise read ./gunicorn.conf.py)."""
    empty = os.path.join(workdir, "empty.gunicorn.conf.py")
    with open(empty, "w") as f:
        f.write("# bench: gunicorn defaults\n")
    if sikipp_config is None:
        found = os.path.join(ROOT, "gunicorn.conf.py")
        sikipp_config = found if os.path.exists(found) else empty
    return sikipp_config, empty


# -- clients -----------------------------------------------------------------------------------------------------

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


async def html_session(aiohttp, base, username, password):
    """A cookie session logged in through the login form (FAB's, and SIKIPP's throttled one)."""
    session = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
    async with session.get(base + "/login/") as r:
        page = await r.text()
    match = CSRF.search(page)
    data = {"username": username, "password": password}
    if match:
        data["csrf_token"] = match.group(1) or match.group(2)
    async with session.post(base + "/login/", data=data) as r:
        await r.read()
        if r.status >= 400 or "/login" in str(r.url):
            await session.close()
            raise RuntimeError(f"HTML login of {username} on {base} failed ({r.status}, {r.url})")
    return session


async def api_headers(session, base, username, password):
    async with session.post(base + "/api/v1/security/login",
                            json={"username": username, "password": password, "provider": "db"}) as r:
        body = await r.json()
        if r.status != 200:
            raise RuntimeError(f"API login of {username} on {base} failed: {r.status} {body}")
    return {"Authorization": f"Bearer {body['access_token']}"}


def api_list_path(page_size):
    return f"/api/v1/innovation/?q=(filters:!((col:state,opr:eq,value:{STATE})),page:0,page_size:{page_size})"


def html_list_path(view, flt, page_size):
    return f"/innovationview/list/?_flt_{flt}_state={STATE}&psize_{view}={page_size}"


def percentile(values, q):
    if not values:
        return None
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    return statistics.quantiles(ordered, n=100, method="inclusive")[q - 1]


async def timed(session, method, url, **kw):
    started = time.perf_counter()
    try:
        async with session.request(method, url, allow_redirects=False, **kw) as r:
            body = await r.read()
            status = r.status
    except Exception as exc:  # a refused or reset connection is an error of the run, not of the suite
        return 0, time.perf_counter() - started, 0, repr(exc)
    return status, time.perf_counter() - started, len(body), None


async def measure_latency(sikipp_base, bare_base, ctx, requests, samples, with_bare, page_sizes):
    """Every endpoint ``requests`` times, endpoints interleaved; SQL statements of the first ``samples``."""
    import aiohttp

    timeout = aiohttp.ClientTimeout(total=900)
    plain = aiohttp.ClientSession(timeout=timeout)
    sessions = [plain]
    try:
        sek_api = await api_headers(plain, sikipp_base, SEKRETARIAT, PASSWORD)
        opd_api = await api_headers(plain, sikipp_base, OPD, PASSWORD)
        sek_html = await html_session(aiohttp, sikipp_base, SEKRETARIAT, PASSWORD)
        opd_html = await html_session(aiohttp, sikipp_base, OPD, PASSWORD)
        sessions += [sek_html, opd_html]
        pk, rid = ctx["show_id"], ctx["round_id"]
        endpoints = []  # (name, base, session, headers, path)
        for size in page_sizes:
            tag = "" if size == page_sizes[0] else f"_{size}"
            endpoints += [
                (f"api_list{tag}", sikipp_base, plain, sek_api, api_list_path(size)),
                (f"api_list_opd{tag}", sikipp_base, plain, opd_api, api_list_path(size)),
                (f"html_list{tag}", sikipp_base, sek_html, None, html_list_path("InnovationView", 0, size)),
                (f"html_list_opd{tag}", sikipp_base, opd_html, None, html_list_path("InnovationView", 0, size)),
            ]
        endpoints += [
            ("api_show", sikipp_base, plain, sek_api, f"/api/v1/innovation/{pk}"),
            ("api_show_opd", sikipp_base, plain, opd_api, f"/api/v1/innovation/{pk}"),
            ("html_show", sikipp_base, sek_html, None, f"/innovationview/show/{pk}"),
            ("html_show_opd", sikipp_base, opd_html, None, f"/innovationview/show/{pk}"),
            ("home", sikipp_base, sek_html, None, "/"),
            ("home_opd", sikipp_base, opd_html, None, "/"),
            ("ranking", sikipp_base, plain, sek_api, f"/api/v1/round/{rid}/ranking"),
        ]
        if with_bare:
            from bench.baseline_fab import PASSWORD as BARE_PASSWORD
            from bench.baseline_fab import USERNAME as BARE_USER

            bare_api = await api_headers(plain, bare_base, BARE_USER, BARE_PASSWORD)
            bare_html = await html_session(aiohttp, bare_base, BARE_USER, BARE_PASSWORD)
            sessions.append(bare_html)
            for size in page_sizes:
                tag = "" if size == page_sizes[0] else f"_{size}"
                endpoints += [
                    (f"bare_api_list{tag}", bare_base, plain, bare_api, api_list_path(size)),
                    # FAB's string filters: index 3 is FilterEqual (SIKIPP's state filter has only that one).
                    (f"bare_html_list{tag}", bare_base, bare_html, None, html_list_path("InnovationView", 3, size)),
                ]
            endpoints += [
                ("bare_api_show", bare_base, plain, bare_api, f"/api/v1/innovation/{pk}"),
                ("bare_html_show", bare_base, bare_html, None, f"/innovationview/show/{pk}"),
            ]
        results = {name: {"path": path, "times": [], "statements": [], "errors": 0, "bytes": 0, "status": None}
                   for name, _b, _s, _h, path in endpoints}
        # FAB's access tokens expire after 15 minutes; a long run (100k rows on a busy machine) logs in again.
        logins = [(sek_api, sikipp_base, SEKRETARIAT, PASSWORD), (opd_api, sikipp_base, OPD, PASSWORD)]
        if with_bare:
            logins.append((bare_api, bare_base, BARE_USER, BARE_PASSWORD))
        logged_in = time.monotonic()
        for round_no in range(requests + 1):  # round 0 warms up (not timed)
            if time.monotonic() - logged_in > 600:
                for headers, base, username, password in logins:
                    headers.update(await api_headers(plain, base, username, password))
                logged_in = time.monotonic()
            for name, base, session, headers, path in endpoints:
                status, seconds, size, error = await timed(session, "GET", base + path, headers=headers)
                entry = results[name]
                if round_no == 0:
                    entry["status"] = status
                    if status != 200:
                        entry["first_error"] = error or f"HTTP {status}"
                    continue
                if status != 200:  # counted, not timed: a fast refusal would lower the percentiles
                    entry["errors"] += 1
                    entry.setdefault("first_error", error or f"HTTP {status}")
                    continue
                entry["times"].append(seconds)
                entry["bytes"] = size
                if round_no <= samples:
                    async with plain.get(base + "/__bench/last") as r:
                        entry["statements"].append((await r.json())["statements"])
        summary = {}
        for name, entry in results.items():
            times = entry.pop("times")
            entry.update(n=len(times), p50_ms=_ms(percentile(times, 50)), p95_ms=_ms(percentile(times, 95)),
                         statements=max(entry["statements"]) if entry["statements"] else None)
            summary[name] = entry
        return summary
    finally:
        for session in sessions:
            await session.close()


def _ms(seconds):
    return None if seconds is None else round(seconds * 1000, 1)


# -- load --------------------------------------------------------------------------------------------------------

MIX = (  # (kind, weight %): 70 reads of lists and shows, 20 other pages, 10 writes
    ("api_list", 20), ("api_list_opd", 15), ("api_show", 10), ("html_list", 8), ("html_list_opd", 7),
    ("html_show", 5), ("html_show_opd", 5),
    ("home", 8), ("home_opd", 8), ("notifications", 2), ("ranking", 2),
    ("edit_draft", 10),
)


async def run_load(base, ctx, clients, total, seconds, seed=14):
    import aiohttp

    conn = aiohttp.TCPConnector(limit=clients * 2)
    plain = aiohttp.ClientSession(connector=conn, timeout=aiohttp.ClientTimeout(total=120))
    sek_api = await api_headers(plain, base, SEKRETARIAT, PASSWORD)
    opd_api = await api_headers(plain, base, OPD, PASSWORD)
    sek_html = await html_session(aiohttp, base, SEKRETARIAT, PASSWORD)
    opd_html = await html_session(aiohttp, base, OPD, PASSWORD)
    pk, rid, drafts = ctx["show_id"], ctx["round_id"], ctx["draft_ids"]
    requests_of = {
        "api_list": (plain, "GET", api_list_path(25), sek_api),
        "api_list_opd": (plain, "GET", api_list_path(25), opd_api),
        "api_show": (plain, "GET", f"/api/v1/innovation/{pk}", opd_api),
        "html_list": (sek_html, "GET", html_list_path("InnovationView", 0, 25), None),
        "html_list_opd": (opd_html, "GET", html_list_path("InnovationView", 0, 25), None),
        "html_show": (sek_html, "GET", f"/innovationview/show/{pk}", None),
        "html_show_opd": (opd_html, "GET", f"/innovationview/show/{pk}", None),
        "home": (sek_html, "GET", "/", None),
        "home_opd": (opd_html, "GET", "/", None),
        "notifications": (opd_html, "GET", "/notifications/", None),
        "ranking": (plain, "GET", f"/api/v1/round/{rid}/ranking", sek_api),
    }
    kinds = [k for k, _w in MIX]
    weights = [w for _k, w in MIX]
    records = []  # (kind, status, seconds)
    errors = {}
    issued = 0
    deadline = time.monotonic() + seconds

    async def worker(index):
        nonlocal issued
        rng = random.Random(seed + index)
        draft = drafts[index % len(drafts)]  # one draft per client: writers never race for one row
        while issued < total and time.monotonic() < deadline:
            issued += 1
            kind = rng.choices(kinds, weights)[0]
            if kind == "edit_draft":
                status, sec, _n, error = await timed(
                    plain, "PUT", f"{base}/api/v1/innovation/{draft}", headers=opd_api,
                    json={"summary": f"Ringkasan draf uji beban nomor {rng.randint(1, 10 ** 6)}."})
            else:
                session, method, path, headers = requests_of[kind]
                status, sec, _n, error = await timed(session, method, base + path, headers=headers)
            records.append((kind, status, sec))
            if status != 200:
                errors.setdefault(f"{kind}: {error or status}", 0)
                errors[f"{kind}: {error or status}"] += 1

    started = time.perf_counter()
    await asyncio.gather(*(worker(i) for i in range(clients)))
    elapsed = time.perf_counter() - started
    for session in (plain, sek_html, opd_html):
        await session.close()
    times = [s for _k, _st, s in records]
    per_kind = {}
    for kind in kinds:
        ks = [s for k, _st, s in records if k == kind]
        if ks:
            per_kind[kind] = {"n": len(ks), "p50_ms": _ms(percentile(ks, 50)), "p95_ms": _ms(percentile(ks, 95))}
    return {"clients": clients, "requests": len(records), "seconds": round(elapsed, 2),
            "rps": round(len(records) / elapsed, 1), "p50_ms": _ms(percentile(times, 50)),
            "p95_ms": _ms(percentile(times, 95)), "p99_ms": _ms(percentile(times, 99)),
            "errors": sum(errors.values()), "error_kinds": errors, "per_kind": per_kind}


# -- reporting ---------------------------------------------------------------------------------------------------

def ratio(a, b):
    return None if not a or not b else round(a / b, 2)


def markdown(results):
    lines = []
    for run in results["runs"]:
        lat = run["latency"]
        lines.append(f"\n### {run['db']}, {run['innovations']:,} innovations "
                     f"(ranking round: {run['round_innovations']:,} innovations)\n")
        lines.append("| endpoint | p50 ms | p95 ms | SQL statements | bytes | errors |")
        lines.append("|---|---|---|---|---|---|")
        for name, e in lat.items():
            lines.append(f"| {name} | {e['p50_ms']} | {e['p95_ms']} | {e['statements']} | {e['bytes']:,} | "
                         f"{e['errors']}{' (' + e['first_error'] + ')' if e.get('first_error') else ''} |")
        if run.get("ratios"):
            lines.append("\n| SIKIPP / bare FAB | p50 ratio | p95 ratio |")
            lines.append("|---|---|---|")
            for name, r in run["ratios"].items():
                lines.append(f"| {name} | {r['p50']} | {r['p95']} |")
    growth = results.get("growth")
    if growth:
        lines.append("\n### Growth (p95 at each size / p95 at the smallest size)\n")
        for db, table in growth.items():
            sizes = list(next(iter(table.values())).keys())
            lines.append(f"| {db} endpoint | " + " | ".join(f"{s}" for s in sizes) + " |")
            lines.append("|---|" + "---|" * len(sizes))
            for name, row in table.items():
                lines.append(f"| {name} | " + " | ".join(str(row[s]) for s in sizes) + " |")
    for load in results.get("load", []):
        lines.append(f"\n### Load: {load['db']}, {load['innovations']:,} innovations, gunicorn -w 2, "
                     f"{load['clients']} clients\n")
        lines.append("| requests | seconds | req/s | p50 ms | p95 ms | p99 ms | errors | RSS idle MB | RSS after MB |")
        lines.append("|---|---|---|---|---|---|---|---|---|")
        lines.append(f"| {load['requests']} | {load['seconds']} | {load['rps']} | {load['p50_ms']} | {load['p95_ms']} | "
                     f"{load['p99_ms']} | {load['errors']} | {', '.join(map(str, load['rss_idle_mb']))} | "
                     f"{', '.join(map(str, load['rss_after_mb']))} |")
        if load["error_kinds"]:
            lines.append("\nErrors: " + "; ".join(f"{k} ×{n}" for k, n in load["error_kinds"].items()))
    return "\n".join(lines)


def ratios_of(latency):
    out = {}
    for ours, bare in RATIO_PAIRS.items():
        for tag in ("", "_100"):
            a, b = latency.get(ours + tag), latency.get(bare + tag)
            if a and b:
                out[ours + tag] = {"p50": ratio(a["p50_ms"], b["p50_ms"]), "p95": ratio(a["p95_ms"], b["p95_ms"])}
    return out


def growth_of(runs):
    table = {}
    for run in runs:
        for name, e in run["latency"].items():
            if name.startswith("bare_"):
                continue
            table.setdefault(run["db"], {}).setdefault(name, {})[run["innovations"]] = e["p95_ms"]
    for rows in table.values():
        for name, row in rows.items():
            first = row[min(row)]
            rows[name] = {size: f"{p95} ({ratio(p95, first)}×)" for size, p95 in row.items()}
    return table


# -- main --------------------------------------------------------------------------------------------------------

def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--sizes", default="2000", help="innovations in the table, comma-separated, ascending (2000)")
    p.add_argument("--db", default="sqlite", help="sqlite,postgresql (sqlite)")
    p.add_argument("--requests", type=int, default=20, help="timed requests per endpoint and size (20)")
    p.add_argument("--samples", type=int, default=2, help="requests per endpoint whose statements are counted (2)")
    p.add_argument("--page-sizes", default="25,100", help="list page sizes (25,100)")
    p.add_argument("--no-baseline", action="store_true", help="skip the bare FAB baseline")
    p.add_argument("--no-load", action="store_true", help="skip the load run")
    p.add_argument("--load-clients", type=int, default=16, help="concurrent clients of the load (16)")
    p.add_argument("--load-requests", type=int, default=1500, help="requests of the load run, at most (1500)")
    p.add_argument("--load-seconds", type=float, default=60, help="duration of the load run, at most (60)")
    p.add_argument("--gunicorn-config", default=None,
                   help="SIKIPP's gunicorn config (default: ./gunicorn.conf.py when present, else none)")
    p.add_argument("--pg-admin", default=PG_ADMIN, help=f"PostgreSQL maintenance database URL ({PG_ADMIN})")
    p.add_argument("--pg-database", default=PG_DATABASE, help=f"database dropped and created for the run ({PG_DATABASE})")
    p.add_argument("--keep", action="store_true", help="keep the work directory and the PostgreSQL database")
    p.add_argument("--json", default=None, help="results file (bench/results/suite-<UTC time>.json)")
    p.add_argument("--quiet", action="store_true", help="no progress lines")
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    sizes = sorted(int(s) for s in args.sizes.split(","))
    page_sizes = [int(s) for s in args.page_sizes.split(",")]
    log = (lambda *_a: None) if args.quiet else (lambda msg: print(msg, file=sys.stderr, flush=True))
    started = datetime.datetime.now(datetime.timezone.utc)
    with open("/proc/loadavg") as f:
        load_before = f.read().split()[:3]
    results = {"started": started.isoformat(timespec="seconds"), "machine": {
        "cpus": os.cpu_count(), "python": platform.python_version(), "loadavg_before": load_before},
        "args": vars(args), "runs": [], "load": []}
    from bench.common import make_app

    path = args.json or os.path.join(ROOT, "bench", "results",
                                     f"suite-{started.strftime('%Y%m%dT%H%M%SZ')}.json")
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)

    def save():  # after every measurement: a long run stopped half-way keeps what it measured
        with open("/proc/loadavg") as f:
            results["machine"]["loadavg_after"] = f.read().split()[:3]
        results["growth"] = growth_of(results["runs"]) if len(sizes) > 1 else {}
        with open(path, "w") as f:
            json.dump(results, f, indent=1, default=str)

    for kind in args.db.split(","):
        workdir = tempfile.mkdtemp(prefix=f"sikipp-suite-{kind}-")
        try:
            url = database_url(kind, workdir, args.pg_admin, args.pg_database)
            log(f"[{kind}] schema by the migrations ({workdir})")
            app = make_app(url, workdir)
            env = server_env(url, workdir)
            sikipp_conf, empty_conf = gunicorn_configs(workdir, args.gunicorn_config)
            ctx = None
            for size in sizes:
                log(f"[{kind}] growing to {size:,} innovations")
                ctx = grow(app, size, drafts=args.load_clients, log=log)
                servers = [Server("sikipp", "bench.serve:sikipp()", env, workdir, config=sikipp_conf)]
                if not args.no_baseline:
                    servers.append(Server("bare", "bench.serve:bare()", env, workdir, config=empty_conf))
                try:
                    for server in servers:
                        server.wait_ready("/login/")
                    log(f"[{kind}] {size:,}: {args.requests} requests per endpoint")
                    latency = asyncio.run(measure_latency(
                        servers[0].base, servers[1].base if len(servers) > 1 else None, ctx, args.requests,
                        args.samples, not args.no_baseline, page_sizes))
                finally:
                    for server in servers:
                        server.stop()
                run = {"db": kind, "size": size, **{k: ctx[k] for k in ("innovations", "round_innovations",
                                                                           "competitions")},
                       "latency": latency, "ratios": ratios_of(latency)}
                results["runs"].append(run)
                save()
                log(markdown({"runs": [run]}))
            if not args.no_load:
                log(f"[{kind}] load: gunicorn -w 2 run:app, {args.load_clients} clients")
                server = Server("sikipp-load", "run:app", env, workdir, workers=2, config=sikipp_conf)
                try:
                    server.wait_ready("/login/")
                    time.sleep(1)
                    workers = server.worker_pids()
                    idle = [rss_mb(p) for p in workers]
                    idle_pss = [pss_mb(p) for p in workers]
                    load = asyncio.run(run_load(server.base, ctx, args.load_clients, args.load_requests,
                                                args.load_seconds))
                    after = [rss_mb(p) for p in workers]
                    after_pss = [pss_mb(p) for p in workers]
                finally:
                    server.stop()
                load.update(db=kind, innovations=ctx["innovations"], rss_idle_mb=idle, rss_after_mb=after,
                            pss_idle_mb=idle_pss, pss_after_mb=after_pss)
                results["load"].append(load)
                save()
                log(markdown({"runs": [], "load": [load]}))
        finally:
            if not args.keep:
                shutil.rmtree(workdir, ignore_errors=True)
                drop_database(kind, args.pg_admin, args.pg_database)
    save()
    from bench.report import tables

    print(tables([results]))
    print(f"\n(results: {path}; tables of several files: python -m bench.report FILE…)")
    return results


if __name__ == "__main__":
    main()
