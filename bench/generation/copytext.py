"""Values as PostgreSQL COPY text (timestamps, escapes, NULLs) and the background COPY writer."""

from __future__ import annotations

import io
import queue
import threading
from datetime import UTC, datetime, timedelta

import psycopg2

from bench.generation.config import BIG_TABLES

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


_DAY_CACHE: dict[int, str] = {}


def ts(sec: int | float | None) -> str:
    """Seconds since the epoch as a PostgreSQL timestamptz literal (UTC)."""
    if sec is None:
        return "\\N"
    sec = int(sec)
    d, r = divmod(sec, 86400)
    day = _DAY_CACHE.get(d)
    if day is None:
        day = _DAY_CACHE[d] = (EPOCH + timedelta(days=d)).strftime("%Y-%m-%d")
    return f"{day} {r // 3600:02d}:{r % 3600 // 60:02d}:{r % 60:02d}+00"


def esc(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


def n(value) -> str:
    return "\\N" if value is None else str(value)


class Writer:
    """COPY on its own connection in a background thread, so Python builds the next chunk
    while PostgreSQL ingests this one. The queue is bounded: memory stays a few chunks."""

    def __init__(self, dsn: str):
        self.conn = psycopg2.connect(dsn)
        self.q: queue.Queue = queue.Queue(maxsize=4)
        self.error: BaseException | None = None
        self.rows: dict[str, int] = {}
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            with self.conn.cursor() as cur:
                cur.execute("SET synchronous_commit = off")
                # One transaction that first empties the (still empty) big tables, so every
                # COPY may FREEZE: rows are written frozen with the visibility map set, and
                # neither the index builds nor the first readers rewrite each page to set hint
                # bits, nor does a VACUUM have to pass over them. CASCADE reaches only tables
                # that refer to tickets, all empty before the load.
                cur.execute(f"TRUNCATE {', '.join(BIG_TABLES)} CASCADE")
                while True:
                    item = self.q.get()
                    if item is None:
                        break
                    table, columns, lines = item
                    buf = io.StringIO("\n".join(lines) + "\n")
                    cur.copy_expert(f"COPY {table} ({columns}) FROM STDIN WITH (FREEZE)", buf)
                    self.rows[table] = self.rows.get(table, 0) + len(lines)
            self.conn.commit()
        except BaseException as exc:  # surfaced by put()/close() in the main thread
            self.error = exc

    def put(self, table: str, columns: str, lines: list[str]) -> None:
        if self.error:
            raise self.error
        if lines:
            while True:
                try:
                    self.q.put((table, columns, lines), timeout=1)
                    return
                except queue.Full:
                    if self.error or not self.thread.is_alive():
                        raise self.error or RuntimeError("bench: COPY writer stopped") from None

    def close(self) -> None:
        self.q.put(None)
        self.thread.join()
        self.conn.close()
        if self.error:
            raise self.error


def utc(sec: int | None) -> datetime | None:
    return None if sec is None else datetime.fromtimestamp(sec, UTC)


def n_bool(value: bool | None) -> str:
    return "\\N" if value is None else "t" if value else "f"
