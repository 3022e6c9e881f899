"""Claim-next under load: over HTTP, undone afterwards, and the statements of one claim."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter

import psycopg2

from bench.common import pg_dsn
from bench.loadtest.client import Session, percentiles
from bench.loadtest.config import MAX_REQUESTS, SECONDS


def snapshot_claimable(url: str, team_id: int) -> tuple[int, int]:
    """Copy the claimable tickets of the claimers' team so the claims can be undone; returns
    the last event and exposure entry ids before the claims."""
    conn = psycopg2.connect(pg_dsn(url))
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS bench_claim_snapshot")
        cur.execute(
            "CREATE TABLE bench_claim_snapshot AS SELECT * FROM tickets_ticket "
            "WHERE team_id = %s AND assignee_id IS NULL AND status IN ('new', 'open')",
            (team_id,),
        )
        cur.execute(
            "SELECT (SELECT COALESCE(MAX(id), 0) FROM tickets_ticketevent), "
            "(SELECT COALESCE(MAX(id), 0) FROM teams_exposureentry)"
        )
        last = cur.fetchone()
    conn.close()
    return last


def undo_claims(url: str, last: tuple[int, int]) -> int:
    """Put the claimed tickets back as they were and drop the events and the exposure
    entries the claims wrote."""
    conn = psycopg2.connect(pg_dsn(url))
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(
            """UPDATE tickets_ticket t SET assignee_id = NULL, status = s.status,
                   updated_at = s.updated_at, version = s.version, solved_at = s.solved_at,
                   closed_at = s.closed_at, reopen_count = s.reopen_count, due_at = s.due_at,
                   first_reply_at = s.first_reply_at, last_public_reply_at = s.last_public_reply_at
               FROM bench_claim_snapshot s WHERE t.id = s.id AND t.assignee_id IS NOT NULL"""
        )
        undone = cur.rowcount
        cur.execute("DELETE FROM tickets_ticketevent WHERE id > %s", (last[0],))
        cur.execute("DELETE FROM teams_exposureentry WHERE id > %s", (last[1],))
        cur.execute("DROP TABLE bench_claim_snapshot")
    conn.close()
    return undone


def claims_over_http(sessions: list[Session]) -> dict:
    got: list[int] = []
    codes: Counter = Counter()
    samples: list[float] = []
    lock = threading.Lock()
    started = time.perf_counter()
    deadline = started + SECONDS

    def worker(s: Session):
        while time.perf_counter() < deadline:
            with lock:
                if len(got) >= MAX_REQUESTS or codes[204] > 50:
                    return
            t0 = time.perf_counter()
            status, _h, body = s.post_api("/api/v1/tickets/next/")
            ms = (time.perf_counter() - t0) * 1000
            with lock:
                codes[status] += 1
                if status == 200:
                    got.append(json.loads(body)["id"])
                    samples.append(ms)

    threads = [threading.Thread(target=worker, args=(s,)) for s in sessions]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    p50, p95 = percentiles(samples)
    dups = sum(c - 1 for c in Counter(got).values() if c > 1)
    out = {
        "p50_ms": round(p50, 1),
        "p95_ms": round(p95, 1),
        "rps": round(len(got) / elapsed, 1),
        "claims": len(got),
        "duplicates": dups,
        "concurrency": len(sessions),
    }
    errors = {str(k): v for k, v in codes.items() if k != 200}
    if errors:
        out["other_responses"] = errors
    return out


def claim_queries(agent) -> dict:
    """SQL statements of one claim as a service call and of one claim through the API (a
    Django test-client request with the agent's session), transaction control left out."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from tickets.services import ticket_claim_next

    def statements(captured) -> int:
        control = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT", "BEGIN", "COMMIT")
        return sum(1 for q in captured if not q["sql"].startswith(control))

    with CaptureQueriesContext(connection) as service:
        ticket_claim_next(agent=agent)
    client = Client()
    client.force_login(agent.user)
    client.get("/api/v1/tickets/?page_size=1")  # session and connection warm, as in a run
    with CaptureQueriesContext(connection) as http:
        status = client.post("/api/v1/tickets/next/").status_code
    return {"queries": statements(service), "queries_http": statements(http), "http_status": status}
