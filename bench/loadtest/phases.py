"""The load phases after the pages: incremental rollup, claim-next, SLA sweep and exports."""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import psycopg2

from bench.common import ROOT, bench_url, pg_dsn
from bench.loadtest.child import run_child
from bench.loadtest.claims import claims_over_http, snapshot_claimable, undo_claims
from bench.loadtest.client import Session
from bench.loadtest.config import MAX_REQUESTS, SECONDS, log, wanted
from bench.loadtest.meters import CpuMeter, RssSampler
from bench.loadtest.report import save_partial


def download(session: Session, path: str, master: int) -> dict:
    load = os.getloadavg()[0]
    with RssSampler(master) as sampler, CpuMeter(bench_url(), master, poll=True) as cpu:
        t0 = time.perf_counter()
        status, headers, body = session.request("GET", path)
        took = time.perf_counter() - t0
    if status != 200:
        raise RuntimeError(f"GET {path} answered {status}: {body[:200]!r}")
    return {
        "seconds": round(took, 2),
        "worker_cpu_seconds": round(cpu.app, 2),
        "database_cpu_seconds": round(cpu.db, 2),
        "load_average_1m": [round(load, 2), round(os.getloadavg()[0], 2)],
        "bytes": len(body),
        "peak_rss_mb": round(sampler.peak, 1),
        "content_type": headers.get("Content-Type", ""),
        "_body": body,
    }


def rollup_phase(env: dict, results: dict) -> None:
    if wanted("rollup"):
        log("incremental rollup refresh for one day")
        day = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        day -= timedelta(days=3)
        results["rollup_refresh_one_day"] = run_child(
            "rollup_refresh", {"day": day.isoformat()}, env
        )


def claim_phases(url: str, claimers: list[Session], env: dict, results: dict, master: int) -> None:
    """Claim-next over HTTP (8 agents) and as a service call (16 threads); undone after.
    CPU per claim: gunicorn's workers (app) and the database's server processes (db)."""
    conn = psycopg2.connect(pg_dsn(url))
    with conn.cursor() as cur:
        cur.execute(
            "SELECT a.team_id FROM teams_agent a JOIN auth_user u ON u.id = a.user_id "
            "WHERE u.username = 'claimer.01'"
        )
        team0 = cur.fetchone()[0]
    conn.close()
    log("claim-next over HTTP, 8 claimers")
    last = snapshot_claimable(url, team0)
    try:
        with CpuMeter(url, master) as cpu:
            row = claims_over_http(claimers)
        if row["claims"]:
            row["cpu_ms_per_claim"] = {
                "app": round(1000 * cpu.app / row["claims"], 2),
                "db": round(1000 * cpu.db / row["claims"], 2),
            }
        results["claim_next_http_c8"] = row
    finally:
        undone = undo_claims(url, last)
    results["claim_next_http_c8"]["undone"] = undone
    save_partial(results)
    log("claim-next as a service call, 16 threads")
    last = snapshot_claimable(url, team0)
    try:
        results["claim_next_service_t16"] = run_child(
            "claim_service", {"seconds": SECONDS, "max": 4 * MAX_REQUESTS}, env
        )
    finally:
        undone = undo_claims(url, last)
    results["claim_next_service_t16"]["undone"] = undone
    save_partial(results)


def sla_phase(env: dict, results: dict) -> None:
    if (ROOT / "tickets" / "services" / "escalation.py").exists():
        log("SLA sweep over the open tickets (rolled back)")
        results["sla_sweep_100k_open"] = run_child("sla_sweep", {}, env, timeout=900)
    else:
        results["sla_sweep_100k_open"] = {"status": "not built: no SLA sweep in this code"}


def export_phases(sessions: dict, master: int, meta: dict, results: dict) -> None:
    today = datetime.now(UTC).date()
    log("CSV export of every ticket (manager)")
    q = urlencode(
        {
            "dataset": "tickets",
            "format": "csv",
            "start": (today - timedelta(days=400)).isoformat(),
            "end": today.isoformat(),
        }
    )
    got = download(sessions["manager"][0], f"/metrics/exports/download/?{q}", master)
    got["rows"] = got.pop("_body").count(b"\n") - 1
    results["csv_export_all"] = got
    save_partial(results)
    log(f"  {got['rows']:,} rows in {got['seconds']}s, peak worker RSS {got['peak_rss_mb']} MB")

    log("XLSX export of ~100,000 tickets (manager)")
    per_day = meta["tickets"] / 365
    days = min(365, max(1, round(100_000 / per_day)))
    q = urlencode(
        {
            "dataset": "tickets",
            "format": "xlsx",
            "start": (today - timedelta(days=days - 1)).isoformat(),
            "end": today.isoformat(),
        }
    )
    got = download(sessions["manager"][0], f"/metrics/exports/download/?{q}", master)
    body = got.pop("_body")
    got["rows"] = xlsx_rows(body)
    results["xlsx_export_100k"] = got
    log(f"  {got['rows']:,} rows in {got['seconds']}s, peak worker RSS {got['peak_rss_mb']} MB")


def xlsx_rows(body: bytes) -> int:
    """Data rows in the first sheet (write-only workbooks record no dimension: count <row>)."""
    import io
    import zipfile

    with zipfile.ZipFile(io.BytesIO(body)) as z:
        sheet = next(n for n in z.namelist() if n.startswith("xl/worksheets/sheet"))
        return z.read(sheet).count(b"<row ") - 1
