"""Combine results files of ``bench.suite`` into the tables of docs/performance.md, targets beside the numbers.

    python -m bench.report bench/results/suite-*.json
"""
import json
import sys

TARGET_RATIO = 1.2
TARGET_STATEMENTS = 10
TARGET_P95_MS = 300  # at 100k innovations
TARGET_RPS = 150
TARGET_RSS_MB = 200
LIST_SHOW = ("api_list", "api_show", "html_list", "html_show")


def _target(name):
    base = name.replace("_opd", "").replace("_100", "")
    if base in LIST_SHOW:
        return f"p95 ≤ {TARGET_P95_MS} ms at 100k; ≤ {TARGET_STATEMENTS} SQL"
    return f"p95 ≤ {TARGET_P95_MS} ms at 100k"


def _mark(ok):
    return "" if ok is None else (" ✓" if ok else " ✗")


def _mbs(values):
    return "—" if not values else ", ".join("—" if m is None else f"{m:.0f}" for m in values)


def tables(results_list):
    runs = [run for results in results_list for run in results["runs"]]
    loads = [load for results in results_list for load in results.get("load", [])]
    columns = [(run["db"], run["innovations"]) for run in runs]
    by_column = {(run["db"], run["innovations"]): run for run in runs}
    names = []
    for run in runs:
        names += [n for n in run["latency"] if n not in names]
    out = ["| endpoint | target | " + " | ".join(f"{db} {n:,}" for db, n in columns) + " |",
           "|---|---|" + "---|" * len(columns)]
    for name in names:
        cells = []
        for column in columns:
            entry = by_column[column]["latency"].get(name)
            if entry is None:
                cells.append("—")
                continue
            ok_p95 = entry["p95_ms"] <= TARGET_P95_MS if column[1] >= 100_000 and not name.startswith("bare_") \
                else None
            stmts = entry["statements"]
            ok_sql = (stmts <= TARGET_STATEMENTS if name.replace("_opd", "").replace("_100", "") in LIST_SHOW
                      else None)
            errors = f", {entry['errors']} errors" if entry["errors"] else ""
            cells.append(f"{entry['p50_ms']:.0f} / {entry['p95_ms']:.0f}{_mark(ok_p95)} ({stmts} SQL{_mark(ok_sql)}"
                         f"{errors})")
        target = "baseline" if name.startswith("bare_") else _target(name)
        out.append(f"| {name} | {target} | " + " | ".join(cells) + " |")
    out += ["", "| SIKIPP / bare FAB (p50 / p95) | target | " + " | ".join(f"{db} {n:,}" for db, n in columns) + " |",
            "|---|---|" + "---|" * len(columns)]
    pairs = []
    for run in runs:
        pairs += [p for p in run.get("ratios", {}) if p not in pairs]
    for pair in pairs:
        cells = []
        for column in columns:
            r = by_column[column].get("ratios", {}).get(pair)
            cells.append("—" if r is None else f"{r['p50']} / {r['p95']}{_mark(r['p95'] <= TARGET_RATIO)}")
        out.append(f"| {pair} | p95 ≤ {TARGET_RATIO}× | " + " | ".join(cells) + " |")
    for results in results_list:
        for db, rows in (results.get("growth") or {}).items():
            sizes = list(next(iter(rows.values())).keys())
            out += ["", f"| {db}: p95 ms (× the smallest size) | " + " | ".join(map(str, sizes)) + " |",
                    "|---|" + "---|" * len(sizes)]
            out += [f"| {name} | " + " | ".join(row[s] for s in sizes) + " |" for name, row in rows.items()]
    if loads:
        out += ["", "| load (gunicorn -w 2 run:app) | clients | requests | req/s | p50 ms | p95 ms | p99 ms | errors "
                "| RSS idle MB | RSS after MB | PSS idle MB | PSS after MB |", "|---|---|---|---|---|---|---|---|---|---|---|---|"]
        for load in loads:
            out.append(
                f"| {load['db']} {load['innovations']:,} | {load['clients']} | {load['requests']} | "
                f"{load['rps']}{_mark(load['rps'] >= TARGET_RPS)} | {load['p50_ms']:.0f} | {load['p95_ms']:.0f} | "
                f"{load['p99_ms']:.0f} | {load['errors']}{_mark(load['errors'] == 0)} | "
                f"{', '.join(f'{m:.0f}' for m in load['rss_idle_mb'])} | "
                f"{', '.join(f'{m:.0f}' for m in load['rss_after_mb'])}"
                f"{_mark(max(load['rss_after_mb']) <= TARGET_RSS_MB)} | {_mbs(load.get('pss_idle_mb'))} | "
                f"{_mbs(load.get('pss_after_mb'))} |")
        out += ["", "| load: p50 / p95 ms per kind | " + " | ".join(f"{x['db']} {x['innovations']:,}" for x in loads)
                + " |", "|---|" + "---|" * len(loads)]
        kinds = []
        for load in loads:
            kinds += [k for k in load["per_kind"] if k not in kinds]
        for kind in kinds:
            cells = [(f"{load['per_kind'][kind]['p50_ms']:.0f} / {load['per_kind'][kind]['p95_ms']:.0f} "
                      f"(n={load['per_kind'][kind]['n']})") if kind in load["per_kind"] else "—" for load in loads]
            out.append(f"| {kind} | " + " | ".join(cells) + " |")
    return "\n".join(out)


def main(paths):
    results = []
    for path in paths:
        with open(path) as f:
            results.append(json.load(f))
    print(tables(results))
    for path, r in zip(paths, results):
        print(f"\n{path}: started {r['started']}, load average {r['machine'].get('loadavg_before')} -> "
              f"{r['machine'].get('loadavg_after')}, {r['machine']['cpus']} CPUs")


if __name__ == "__main__":
    main(sys.argv[1:])
