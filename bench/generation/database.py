"""The bench database's lifecycle around the load: is a data set there, create it afresh, drop
and rebuild the secondary indexes and foreign keys, VACUUM ANALYZE, and the bench_meta row."""

from __future__ import annotations

import json
import queue
import threading
import time

import psycopg2

from bench.common import db_name, pg_dsn
from bench.generation.config import BIG_TABLES, KEYED_TABLES, log


def existing_size(url: str) -> int | None:
    """Tickets in a finished bench data set, or None when there is none."""
    try:
        conn = psycopg2.connect(pg_dsn(url))
    except psycopg2.OperationalError:
        return None
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT to_regclass('bench_meta')")
            if cur.fetchone()[0] is None:
                return None
            cur.execute("SELECT value FROM bench_meta WHERE key = 'tickets'")
            row = cur.fetchone()
            return int(row[0]) if row else None
    finally:
        conn.close()


def recreate(url: str) -> None:
    name = db_name(url)
    conn = psycopg2.connect(pg_dsn(url, "postgres"))
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cur.execute(f'CREATE DATABASE "{name}"')
    conn.close()


def secondary_structures(cur) -> tuple[list[tuple[str, str, str]], list[tuple[str, str]]]:
    """(table, name, CREATE INDEX …) of non-constraint indexes and (table, ALTER … ADD …) of
    foreign keys on the big tables, to drop before the load and rebuild after."""
    cur.execute(
        """SELECT i.tablename, i.indexname, i.indexdef FROM pg_indexes i
           WHERE i.schemaname = 'public' AND i.tablename = ANY(%s)
             AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)""",
        (BIG_TABLES + KEYED_TABLES,),
    )
    indexes = cur.fetchall()
    cur.execute(
        """SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid)
           FROM pg_constraint c WHERE c.contype = 'f' AND c.conrelid::regclass::text = ANY(%s)""",
        (BIG_TABLES,),
    )
    # Re-added NOT VALID: enforced for every later write, but the rows the generator wrote
    # (consistent by construction) are not re-checked, which would cost a join per key.
    fks = [
        (t, f'ALTER TABLE {t} ADD CONSTRAINT "{n}" {d} NOT VALID', n) for t, n, d in cur.fetchall()
    ]
    return indexes, fks


def rebuild(dsn: str, indexes, fks) -> None:
    """Recreate indexes and foreign keys on two connections (two cores), biggest first."""
    work: queue.Queue = queue.Queue()
    # The full-text GIN index on messages takes longest: start it first, the rest beside it.
    for _table, name, sql in sorted(indexes, key=lambda x: (x[1] != "message_body_fts", x[0])):
        work.put(("index", name, sql))
    errors: list[BaseException] = []

    def run():
        conn = psycopg2.connect(dsn)
        conn.autocommit = True
        try:
            with conn.cursor() as cur:
                cur.execute("SET maintenance_work_mem = '512MB'")
                cur.execute("SET max_parallel_maintenance_workers = 0")
                while True:
                    try:
                        _kind, name, sql = work.get_nowait()
                    except queue.Empty:
                        return
                    started = time.perf_counter()
                    cur.execute(sql)
                    took = time.perf_counter() - started
                    if took > 5:
                        log(f"  {name} in {took:.0f}s")
        except BaseException as exc:
            errors.append(exc)
        finally:
            conn.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    conn = psycopg2.connect(dsn)
    conn.autocommit = True
    with conn.cursor() as cur:
        for _table, sql, _name in fks:
            cur.execute(sql)
    conn.close()


def vacuum(dsn: str) -> None:
    """VACUUM ANALYZE every table on two connections (visibility map for index-only scans);
    only ANALYZE the tables loaded with COPY FREEZE (their visibility map is set already)."""
    conn = psycopg2.connect(dsn)
    with conn.cursor() as cur:
        cur.execute("SELECT relname FROM pg_stat_user_tables ORDER BY n_live_tup DESC, relname")
        work: queue.Queue = queue.Queue()
        for (name,) in cur.fetchall():
            work.put(("ANALYZE" if name in BIG_TABLES else "VACUUM ANALYZE", name))
    conn.close()

    def run():
        c = psycopg2.connect(dsn)
        c.autocommit = True
        with c.cursor() as cur:
            while True:
                try:
                    command, name = work.get_nowait()
                except queue.Empty:
                    break
                cur.execute(f'{command} "{name}"')
        c.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def write_meta(dsn: str, meta: dict) -> None:
    conn = psycopg2.connect(dsn)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("CREATE TABLE IF NOT EXISTS bench_meta (key text PRIMARY KEY, value text)")
        cur.execute("DELETE FROM bench_meta")
        cur.execute(
            "INSERT INTO bench_meta VALUES ('tickets', %s), ('meta', %s)",
            (str(meta["tickets"]), json.dumps(meta)),
        )
    conn.close()
