"""The benchmark suite (bench/suite.py, issue 14) runs end to end at a tiny size, so that it cannot rot: schema,
synthetic rows, SIKIPP and the bare FAB baseline on gunicorn, every measured endpoint answering 200 with its SQL
statements counted, the ratios, and a short mixed load on 2 workers with their RSS. The numbers themselves are
not judged here (docs/performance.md)."""
import json
import os

from bench import suite


def test_the_suite_runs_end_to_end_at_a_tiny_size(tmp_path):
    kind = "postgresql" if os.environ.get("SIKIPP_TEST_DATABASE") == "postgresql" else "sqlite"
    out = tmp_path / "suite.json"
    argv = ["--sizes", "150", "--db", kind, "--requests", "2", "--samples", "1", "--load-clients", "2",
            "--load-requests", "24", "--load-seconds", "20", "--json", str(out), "--quiet",
            "--pg-database", f"sikipp_bench_smoke_{os.getpid()}"]
    if os.environ.get("SIKIPP_TEST_PG_URL"):
        argv += ["--pg-admin", os.environ["SIKIPP_TEST_PG_URL"]]
    suite.main(argv)

    results = json.loads(out.read_text())
    (run,) = results["runs"]
    assert run["db"] == kind and run["innovations"] >= 150
    latency = run["latency"]
    expected = {"api_list", "api_list_opd", "html_list", "html_list_opd", "api_list_100", "html_list_100",
                "api_show", "api_show_opd", "html_show", "html_show_opd", "home", "home_opd", "ranking",
                "bare_api_list", "bare_html_list", "bare_api_list_100", "bare_html_list_100", "bare_api_show",
                "bare_html_show"}
    assert expected <= set(latency)
    for name, entry in latency.items():
        assert entry["status"] == 200 and entry["errors"] == 0, (name, entry)
        assert entry["n"] == 2 and entry["p95_ms"] >= entry["p50_ms"] > 0, (name, entry)
        assert entry["statements"] >= 1, (name, entry)
    # The OPD sees only its unit's rows: a shorter list than the Sekretariat's.
    assert latency["api_list_opd"]["bytes"] < latency["api_list"]["bytes"]
    assert set(run["ratios"]) == {"api_list", "api_list_100", "api_show", "html_list", "html_list_100", "html_show"}
    assert all(r["p50"] > 0 for r in run["ratios"].values())

    (load,) = results["load"]
    assert load["requests"] == 24 and load["errors"] == 0, load["error_kinds"]
    assert load["rps"] > 0 and load["p99_ms"] >= load["p95_ms"] >= load["p50_ms"] > 0
    assert len(load["rss_idle_mb"]) == 2 and all(mb > 20 for mb in load["rss_idle_mb"] + load["rss_after_mb"])
