"""Results: the git commit, partial saves, the results JSON and the printed table."""

from __future__ import annotations

import json
import os
import re
import subprocess
from datetime import UTC, datetime

from bench.common import RESULTS, ROOT, db_name, machine
from bench.loadtest.config import HOST, MAX_REQUESTS, OUT, SECONDS, TARGETS, WORKERS
from bench.loadtest.server import CACHE_USED


def git(*args) -> str:
    try:
        return subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


def save_partial(results: dict) -> None:
    """Results so far, so a failure late in the run keeps what was measured."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "partial.tmp").write_text(json.dumps(results, indent=2, default=str) + "\n")


def finish(url: str, meta: dict, results: dict, small_queries: dict, load_before) -> None:
    info = {
        "commit": git("rev-parse", "--short", "HEAD"),
        "dirty": bool(
            git("status", "--porcelain", "--untracked-files=no", "--", ".", ":!bench/results")
        ),
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "database": db_name(url),
        "data": {
            "tickets": meta["tickets"],
            **meta["counts"],
            "generated_at": meta["now"],
            "generation": meta["timings"],
        },
        "machine": {
            **machine(),
            "load_average_before": [round(x, 2) for x in load_before],
            "load_average_after": [round(x, 2) for x in os.getloadavg()],
        },
        "cache": CACHE_USED["url"],
        "method": f"gunicorn {WORKERS} sync workers on {HOST}; each scenario at most "
        f"{SECONDS:g}s and {MAX_REQUESTS} requests (400 at c=1) after warm-up; "
        "query counts from a Django test-client pass",
    }
    if small_queries:
        info["queries_compared_with_tickets"] = small_queries["_tickets"]
    report(results, info)


def report(results: dict, info: dict) -> None:
    print()
    print(
        f"{info['data']['tickets']:,} tickets, {info['data'].get('messages', 0):,} messages; "
        f"commit {info['commit']}{' (dirty)' if info['dirty'] else ''}; "
        f"{info['machine']['cores']} cores, {info['machine']['memory_gb']} GB"
    )
    head = (
        f"{'scenario':<30}{'p50 ms':>9}{'p95 ms':>9}{'req/s':>9}{'queries':>9}{'RSS MB':>9}  target"
    )
    print(head)
    print("-" * len(head))
    for name, row in results.items():
        base = re.sub(r"_c\d+$", "", name)
        target = ""
        if base in TARGETS:
            p95, rps = TARGETS[base]
            if name.endswith("_c1"):
                target = f"p95 ≤ {p95} ms"
            elif rps:
                target = f"≥ {rps} req/s"
        elif name == "claim_next_http_c8":
            target = "≥ 150/s, 0 dup"
        elif name == "claim_next_service_t16":
            target = "≥ 800/s, 0 dup"
        elif name == "csv_export_all":
            target = "≤ 20 s, ≤ 200 MB"
        elif name == "xlsx_export_100k":
            target = "≤ 15 s"
        elif name == "gunicorn_worker_rss":
            target = "≤ 150 MB"
        elif name == "sla_sweep_100k_open":
            target = "≤ 1 s"
        elif name == "auto_routing":
            target = "adds < 5 ms"
        if "status" in row:
            print(f"{name:<30}  {row['status']}")
            continue
        if "steady_seconds" in row:
            print(
                f"{name:<30}{row['steady_seconds']:>9}s steady, {row['cold_seconds']}s cold "
                f"({row['cold_breached']:,} breached) over {row['open_tickets']:,} open  {target}"
            )
            continue
        if "seconds" in row and "p50_ms" not in row:
            extra = f"{row['seconds']} s" + (f", {row['rows']:,} rows" if "rows" in row else "")
            if "worker_cpu_seconds" in row:
                target += (
                    f"  (CPU s: app {row['worker_cpu_seconds']}, db {row['database_cpu_seconds']})"
                )
            rss = row.get("peak_rss_mb", "")
            print(f"{name:<30}{extra:>27}{'':>9}{rss:>9}  {target}")
            continue
        qs = row.get("queries", "")
        if "queries_small" in row:
            qs = f"{qs}/{row['queries_small']}"
        print(
            f"{name:<30}{row.get('p50_ms', ''):>9}{row.get('p95_ms', ''):>9}"
            f"{row.get('rps', ''):>9}{qs:>9}{row.get('peak_rss_mb', ''):>9}  {target}"
            + (f"  dup={row['duplicates']}" if "duplicates" in row else "")
            + (f"  errors={row['errors']}" if row.get("errors") else "")
            + (
                f"  CPU/req: server {row['server_cpu_ms']} ms, db {row['db_cpu_ms']} ms"
                if "server_cpu_ms" in row
                else ""
            )
        )
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / OUT
    tmp = out.with_suffix(".json.tmp")
    tmp.write_text(json.dumps({**results, "_meta": info}, indent=2) + "\n")
    tmp.replace(out)
    (RESULTS / "partial.tmp").unlink(missing_ok=True)
    print(f"\nwrote {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}")
