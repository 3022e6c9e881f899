"""What a phase costs: peak RSS of gunicorn's workers, CPU seconds of the workers and of the
database's server processes."""

from __future__ import annotations

import contextlib
import os
import threading
import time
from pathlib import Path

import psycopg2

from bench.common import db_name, pg_dsn


def children(pid: int) -> list[int]:
    try:
        return [int(x) for x in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def rss_mb(pid: int, field: str = "VmRSS") -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


class RssSampler:
    """Peak RSS of gunicorn's workers, sampled every 50 ms while the block runs."""

    def __init__(self, master: int):
        self.master, self.peak, self._stop = master, 0.0, threading.Event()

    def __enter__(self):
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        return self

    def _run(self):
        while not self._stop.is_set():
            for pid in children(self.master):
                self.peak = max(self.peak, rss_mb(pid))
            time.sleep(0.05)

    def __exit__(self, *exc):
        self._stop.set()
        self.thread.join()


def cpu_seconds(pid: int) -> float:
    """User + system CPU time the process has used so far (0 when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def pg_backends(url: str, conn=None) -> list[int]:
    """The server processes serving connections to the bench database (but this query's),
    on `conn` when given (a watcher's own connection, so it starts no process per look)."""
    own = conn is None
    conn = conn or psycopg2.connect(pg_dsn(url))
    try:
        with conn.cursor() as cur:
            cur.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                (db_name(url),),
            )
            return [r[0] for r in cur.fetchall()]
    finally:
        if own:
            conn.close()


class CpuMeter:
    """CPU seconds spent by gunicorn's workers (app) and by the database's server processes
    (db) while the block runs: on a shared machine, the cost of the work whatever the wait.

    With `poll`, the database's processes are also looked at every 0.1 s, so the parallel
    workers a long query starts and ends inside the block are counted (a process that ends
    is counted up to the last look, so db is a slight undercount)."""

    def __init__(self, url: str, master: int, poll: bool = False):
        self.url, self.master, self.poll = url, master, poll
        self._stop = threading.Event()
        self._seen: dict[int, float] = {}  # database processes that started in the block

    def _snapshot(self) -> tuple[dict[int, float], dict[int, float]]:
        app = {pid: cpu_seconds(pid) for pid in children(self.master)}
        return app, {pid: cpu_seconds(pid) for pid in pg_backends(self.url)}

    def _watch(self, conn):
        with contextlib.closing(conn):
            while not self._stop.wait(0.1):
                for pid in pg_backends(self.url, conn):
                    if pid not in self.before[1]:
                        self._seen[pid] = max(self._seen.get(pid, 0.0), cpu_seconds(pid))
                for pid in self._seen:
                    self._seen[pid] = max(self._seen[pid], cpu_seconds(pid))

    def __enter__(self):
        watcher = psycopg2.connect(pg_dsn(self.url)) if self.poll else None
        self.before = self._snapshot()
        if watcher is not None:
            watcher.autocommit = True
            self._watcher_pid = watcher.info.backend_pid
            self._thread = threading.Thread(target=self._watch, args=(watcher,), daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc):
        if self.poll:
            self._stop.set()
            self._thread.join()
        app, db = self._snapshot()
        for pid, used in self._seen.items():
            db[pid] = max(db.get(pid, 0.0), used)
        if self.poll:
            db.pop(self._watcher_pid, None)  # the watcher's own looks are not the work
        self.app, self.db = (
            sum(t - before.get(pid, 0.0) for pid, t in now.items())
            for before, now in zip(self.before, (app, db), strict=True)
        )
