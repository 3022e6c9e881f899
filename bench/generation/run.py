"""The generate run: a fresh data set end to end, or (BENCH_STEP=rollups) the rollups of a loaded
one."""

from __future__ import annotations

import json
import os
import random
import time
from datetime import UTC, datetime

import psycopg2

from bench.common import bench_url, db_name, pg_dsn, setup_django
from bench.generation.config import BIG_TABLES, ROLLUP_TABLES, SEED, TICKETS, log
from bench.generation.copytext import Writer
from bench.generation.database import (
    existing_size,
    rebuild,
    recreate,
    secondary_structures,
    vacuum,
    write_meta,
)
from bench.generation.people import make_people
from bench.generation.presence import presence
from bench.generation.rollups import rollups, verify_metrics
from bench.generation.tickets import stream


def rollups_only(url: str) -> int:
    """BENCH_STEP=rollups: migrate and (re)build the rollups of a loaded data set, e.g. after
    the metrics code changed. BENCH_NOW must be the generation's `now`."""
    now = datetime.fromisoformat(os.environ["BENCH_NOW"])
    setup_django(url)
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    t0 = time.perf_counter()
    counts = rollups(now, recompute_metrics=True)
    dsn = pg_dsn(url)
    conn = psycopg2.connect(dsn)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("ANALYZE")
        for key, table in (
            ("messages", "tickets_message"),
            ("events", "tickets_ticketevent"),
            ("requesters", "tickets_requester"),
            ("tags", "tickets_ticket_tags"),
            ("qa", "metrics_qareview"),
            ("exposure", "teams_exposureentry"),
            ("presence", "teams_presencelog"),
        ):
            cur.execute(f"SELECT COUNT(*) FROM {table}")  # noqa: S608 - fixed names
            counts[key] = cur.fetchone()[0]
        cur.execute(
            "SELECT COUNT(*) FROM tickets_ticket WHERE status IN ('new','open','pending','on_hold')"
        )
        counts["open"] = cur.fetchone()[0]
    conn.close()
    counts["workspace_ticket"] = TICKETS
    timings = {"rollups_s": round(time.perf_counter() - t0, 1)}
    if os.environ.get("BENCH_EARLIER_TIMINGS"):
        timings.update(json.loads(os.environ["BENCH_EARLIER_TIMINGS"]))
    write_meta(
        dsn,
        {
            "tickets": TICKETS,
            "seed": SEED,
            "now": now.isoformat(),
            "counts": counts,
            "timings": timings,
        },
    )
    log(f"rollups in {timings['rollups_s']:.0f}s: {counts}")
    return 0


def main() -> int:
    url = bench_url()
    if os.environ.get("BENCH_STEP") == "rollups":
        return rollups_only(url)
    if os.environ.get("BENCH_REGENERATE") != "1" and existing_size(url) == TICKETS:
        print(
            f"generate: {db_name(url)} already holds {TICKETS:,} tickets (BENCH_REGENERATE=1 to rebuild);"
            " migrating it to this commit's schema"
        )
        setup_django(url)
        from django.core.management import call_command

        call_command("migrate", verbosity=1, interactive=False)  # e.g. a new index
        return 0
    started = time.perf_counter()
    timings = {}
    now = (
        datetime.fromisoformat(os.environ["BENCH_NOW"])
        if os.environ.get("BENCH_NOW")
        else datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    )
    now_s = int(now.timestamp())
    log(f"{TICKETS:,} tickets into {db_name(url)} (seed {SEED}, now {now.isoformat()})")
    recreate(url)
    setup_django(url)
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    timings["migrate_s"] = time.perf_counter() - started

    rng = random.Random(SEED)
    people = make_people(rng, now)
    dsn = pg_dsn(url)
    conn = psycopg2.connect(dsn)
    conn.autocommit = True
    with conn.cursor() as cur:
        indexes, fks = secondary_structures(cur)
        for table, _sql, name in fks:
            cur.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        for _table, name, _sql in indexes:
            cur.execute(f'DROP INDEX "{name}"')
    log(f"people done; dropped {len(indexes)} indexes and {len(fks)} foreign keys")

    t0 = time.perf_counter()
    writer = Writer(dsn)
    counts = stream(writer, people, rng, now_s)
    counts["presence"] = presence(writer, people, now_s)
    writer.close()
    timings["copy_s"] = time.perf_counter() - t0
    log(f"COPY done in {timings['copy_s']:.0f}s: {json.dumps(counts)}")

    t0 = time.perf_counter()
    with conn.cursor() as cur:
        for table in BIG_TABLES:
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                f"COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
            )
    rebuild(dsn, indexes, fks)
    vacuum(dsn)
    timings["index_s"] = time.perf_counter() - t0
    log(f"indexes, foreign keys, VACUUM ANALYZE in {timings['index_s']:.0f}s")

    t0 = time.perf_counter()
    log(f"ticket metrics of {verify_metrics(now):,} tickets equal the metrics app's")
    timings["verify_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    counts.update(rollups(now))
    with conn.cursor() as cur:  # visibility maps for the dashboards' index-only scans
        for table in ROLLUP_TABLES:
            cur.execute(f"VACUUM ANALYZE {table}")
    timings["rollups_s"] = time.perf_counter() - t0
    log(f"rollups in {timings['rollups_s']:.0f}s")

    timings["total_s"] = time.perf_counter() - started
    meta = {
        "tickets": TICKETS,
        "seed": SEED,
        "now": now.isoformat(),
        "counts": counts,
        "timings": {k: round(v, 1) for k, v in timings.items()},
    }
    conn.close()
    write_meta(dsn, meta)
    log(f"done in {timings['total_s']:.0f}s")
    return 0
