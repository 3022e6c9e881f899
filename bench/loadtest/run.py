"""The load run end to end: server up, logins, page loads, the phases, the report."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time

from bench.common import RESULTS, ROOT, bench_url, db_name
from bench.loadtest.child import run_child
from bench.loadtest.client import Session, run_get
from bench.loadtest.config import (
    HOST,
    ONLY,
    PUSH_COUNT,
    PY,
    ROUTING_COUNT,
    SERVER_PARTS,
    WORKERS,
    log,
    wanted,
)
from bench.loadtest.meters import CpuMeter, RssSampler
from bench.loadtest.phases import claim_phases, export_phases, rollup_phase, sla_phase
from bench.loadtest.report import finish, save_partial
from bench.loadtest.server import bench_meta, free_port, server_env


def main() -> int:
    url = bench_url()
    load_before = os.getloadavg()
    meta = bench_meta(url)
    workspace = meta["counts"]["workspace_ticket"]
    var_dir = tempfile.mkdtemp(prefix="frontline-bench-")
    env = server_env(url, var_dir)
    results: dict[str, dict] = {}
    if wanted("routing"):
        log(f"auto-routing {ROUTING_COUNT} new tickets, push-assigning {PUSH_COUNT} (rolled back)")
        results["auto_routing"] = run_child(
            "routing", {"count": ROUTING_COUNT, "push": PUSH_COUNT}, env, timeout=900
        )
        save_partial(results)
    if ONLY and not ONLY & SERVER_PARTS:
        shutil.rmtree(var_dir, ignore_errors=True)
        rollup_phase(env, results)
        finish(url, meta, results, {}, load_before)
        return 0
    log(f"{meta['tickets']:,} tickets in {db_name(url)}; static files into {var_dir}")
    subprocess.run(
        [PY, "manage.py", "collectstatic", "--noinput", "-v0"], env=env, cwd=ROOT, check=True
    )

    pages = [
        ("team_queue", "associate", "/tickets/?view=team"),
        ("workspace_20_messages", "associate", f"/tickets/{workspace}/"),
        ("lead_dashboard", "lead", "/metrics/team/"),
        ("manager_dashboard", "manager", "/metrics/overview/"),
        ("api_list_filter", "lead", "/api/v1/tickets/?status=open&priority=3"),
        ("search", "lead", "/api/v1/tickets/?q=camera"),
    ]
    log("query counts (Django test client)")
    queries = run_child("queries", {"pages": pages}, env)
    RESULTS.mkdir(parents=True, exist_ok=True)
    slow = {name: q.pop("slowest") for name, q in queries.items()}
    (RESULTS / "slow_queries.json").write_text(json.dumps(slow, indent=2) + "\n")
    small = os.environ.get("BENCH_SMALL_DATABASE_URL", "")
    small_queries = {}
    if small:
        small_meta = bench_meta(small)
        small_pages = [
            (n, u, p.replace(f"/{workspace}/", f"/{small_meta['counts']['workspace_ticket']}/"))
            for n, u, p in pages
        ]
        small_queries = run_child("queries", {"pages": small_pages}, {**env, "DATABASE_URL": small})
        small_queries["_tickets"] = small_meta["tickets"]

    port = free_port()
    server = subprocess.Popen(
        [
            PY, "-m", "gunicorn", "support.wsgi", "--bind", f"{HOST}:{port}",
            "--workers", str(WORKERS), "--timeout", "300", "--log-level", "warning",
        ],
        env=env,
        cwd=ROOT,
        start_new_session=True,
    )  # fmt: skip
    try:
        for _ in range(100):
            with contextlib.suppress(OSError), socket.create_connection((HOST, port), timeout=1):
                break
            time.sleep(0.2)
        else:
            raise RuntimeError("gunicorn did not start")
        log(f"gunicorn pid {server.pid} on {HOST}:{port} with {WORKERS} workers")

        sessions: dict[str, list[Session]] = {}
        codes = run_child("recovery_codes", {"count": 8}, env)
        for username in ("associate", "lead", "manager"):
            sessions[username] = []
            for i in range(8 if wanted("pages") or wanted("exports") else 0):
                s = Session(port)
                s.login(username, code=codes[username][i] if username in codes else None)
                sessions[username].append(s)
        claimers = []
        for i in range(1, 9 if wanted("claims") else 1):
            s = Session(port)
            s.login(f"claimer.{i:02d}")
            claimers.append(s)

        load_peak = 0.0
        for name, username, path in pages if wanted("pages") else []:
            for c in (1, 8):
                log(f"{name} c={c}: GET {path}")
                with RssSampler(server.pid) as sampler:
                    row = run_get(sessions[username], path, c, CpuMeter(url, server.pid))
                load_peak = max(load_peak, sampler.peak)
                row["queries"] = queries[name]["queries"]
                if small_queries:
                    row["queries_small"] = small_queries[name]["queries"]
                row["peak_rss_mb"] = round(sampler.peak, 1)
                results[f"{name}_c{c}"] = row
                save_partial(results)
        if wanted("pages"):
            results["gunicorn_worker_rss"] = {
                "peak_rss_mb": round(load_peak, 1),
                "workers": WORKERS,
            }
        if wanted("claims"):
            claim_phases(url, claimers, env, results, server.pid)
        if wanted("sla"):
            sla_phase(env, results)
        if wanted("exports"):
            export_phases(sessions, server.pid, meta, results)
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        shutil.rmtree(var_dir, ignore_errors=True)

    rollup_phase(env, results)
    finish(url, meta, results, small_queries, load_before)
    return 0
