"""Measure Frontline on the bench database: gunicorn on 127.0.0.1, real logins, bounded loads.

    .venv/bin/python bench/load.py

Needs a data set from bench/generate.py. Serves the app with gunicorn (DEBUG off, plain HTTP
on a free loopback port, static files collected into a temporary directory), logs in the
generated users through the login form, and for each scenario sends requests for at most
BENCH_SECONDS seconds (default 15) and at most BENCH_REQUESTS requests (default 1500) at
concurrency 1 and 8. Claim-next runs over HTTP at concurrency 8 and as a service call at
16 threads; the claims are undone afterwards so the data set stays as generated. Query counts
come from a Django test-client pass over the same pages. Prints a table and writes
bench/results/latest.json.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg2  # noqa: E402

from bench.common import RESULTS, ROOT, bench_url, db_name, machine, pg_dsn  # noqa: E402

SECONDS = float(os.environ.get("BENCH_SECONDS", "15"))
# BENCH_ONLY=pages,claims,sla,exports,rollup,routing runs a subset; BENCH_OUT names the results
# file. Only pages, claims, sla and exports need the gunicorn server.
ONLY = {x for x in os.environ.get("BENCH_ONLY", "").split(",") if x}
OUT = os.environ.get("BENCH_OUT", "latest.json")


def wanted(part: str) -> bool:
    return not ONLY or part in ONLY


SERVER_PARTS = {"pages", "claims", "sla", "exports"}
MAX_REQUESTS = int(os.environ.get("BENCH_REQUESTS", "1500"))
# Auto-routing: new tickets routed, and tickets auto-assigned to a push-mode team.
ROUTING_COUNT = int(os.environ.get("BENCH_ROUTING", "1000"))
PUSH_COUNT = int(os.environ.get("BENCH_PUSH", "200"))
# gunicorn as the Procfile and README's production section run it: sync workers, 2 a core.
WORKERS = int(os.environ.get("BENCH_WORKERS", str(2 * (os.cpu_count() or 2))))
HOST = "127.0.0.1"
PY = sys.executable

# name: (target p95 ms at c=1, target req/s at c=8) from issue #7; None = no target.
TARGETS = {
    "team_queue": (50, 100),
    "workspace_20_messages": (50, 100),
    "lead_dashboard": (100, None),
    "manager_dashboard": (100, None),
    "api_list_filter": (80, None),
    "search": (80, None),
}


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] load: {msg}", flush=True)


def bench_meta(url: str) -> dict:
    conn = psycopg2.connect(pg_dsn(url))
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT to_regclass('bench_meta')")
            if cur.fetchone()[0] is None:
                raise SystemExit(f"load: {db_name(url)} holds no bench data; run bench/generate.py")
            cur.execute("SELECT value FROM bench_meta WHERE key = 'meta'")
            return json.loads(cur.fetchone()[0])
    finally:
        conn.close()


# The cache as production runs it (README: Redis, shared by web and worker processes), in a
# database number of its own that each run empties; the file cache when Redis is not there.
CACHE_URL = os.environ.get("BENCH_CACHE_URL", "redis://127.0.0.1:6379/9")
CACHE_USED = {"url": None}


def bench_cache_url(var_dir: str) -> str:
    try:
        import redis

        client = redis.Redis.from_url(CACHE_URL, socket_connect_timeout=2)
        client.flushdb()
        CACHE_USED["url"] = CACHE_URL
    except Exception as exc:  # noqa: BLE001 — any failure: say so and use the file cache
        log(f"no Redis at {CACHE_URL} ({exc}); the file cache instead")
        CACHE_USED["url"] = f"filecache://{var_dir}/cache"
    return CACHE_USED["url"]


def server_env(url: str, var_dir: str) -> dict:
    env = dict(os.environ)
    env.update(
        CACHE_URL=bench_cache_url(var_dir),
        DATABASE_URL=url,
        DJANGO_SETTINGS_MODULE="support.settings",
        DEBUG="0",
        SECRET_KEY="bench-only-secret-key-" + "x" * 40,
        ALLOWED_HOSTS="127.0.0.1,testserver",
        SECURE_SSL_REDIRECT="0",
        SESSION_COOKIE_SECURE="0",
        CSRF_COOKIE_SECURE="0",
        SECURE_HSTS_SECONDS="0",
        FRONTLINE_VAR_DIR=var_dir,
        CONN_MAX_AGE="600",
        # The load runs measure throughput; the API's per-user rate limit would cap them.
        API_THROTTLE_USER="1000000/minute",
        API_THROTTLE_ANON="1000000/minute",
    )
    return env


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


# ---------------------------------------------------------------- HTTP


class Session:
    """A logged-in browser: cookies, CSRF token, one keep-alive connection (reopened as needed)."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}
        self.conn = http.client.HTTPConnection(HOST, port, timeout=120)

    def request(self, method: str, path: str, body: bytes | None = None, headers=None):
        h = {"Host": f"{HOST}:{self.port}", **(headers or {})}
        if self.cookies:
            h["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        for attempt in range(2):
            try:
                self.conn.request(method, path, body=body, headers=h)
                resp = self.conn.getresponse()
                data = resp.read()
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.conn.close()
                if attempt:
                    raise
        for value in resp.headers.get_all("Set-Cookie") or []:
            c = SimpleCookie()
            c.load(value)
            for k, morsel in c.items():
                self.cookies[k] = morsel.value
        if resp.will_close:
            self.conn.close()
        return resp.status, resp.headers, data

    def login(self, username: str, password: str = "demo", code: str | None = None) -> None:  # noqa: S107 - bench users
        status, _h, page = self.request("GET", "/login/")
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        if status != 200 or not token:
            raise RuntimeError(f"login page answered {status}")
        body = urlencode(
            {"username": username, "password": password, "csrfmiddlewaretoken": token.group(1)}
        ).encode()
        status, _h, _ = self.request(
            "POST",
            "/login/",
            body,
            {
                "Content-Type": "application/x-www-form-urlencoded",
                "Referer": f"http://{HOST}:{self.port}/login/",
            },
        )
        if status != 302 or "sessionid" not in self.cookies:
            raise RuntimeError(f"login as {username} failed ({status})")
        if code is not None:  # the second factor: leads and managers must pass it
            status, _h, page = self.request("GET", "/account/two-factor/verify/")
            token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
            if status != 200 or not token:
                raise RuntimeError(f"two-factor page for {username} answered {status}")
            body = urlencode({"code": code, "csrfmiddlewaretoken": token.group(1)}).encode()
            status, _h, _ = self.request(
                "POST",
                "/account/two-factor/verify/",
                body,
                {
                    "Content-Type": "application/x-www-form-urlencoded",
                    "Referer": f"http://{HOST}:{self.port}/account/two-factor/verify/",
                },
            )
            if status != 302:
                raise RuntimeError(f"two-factor code for {username} refused ({status})")

    def post_api(self, path: str):
        return self.request(
            "POST",
            path,
            b"",
            {
                "X-CSRFToken": self.cookies.get("csrftoken", ""),
                "Referer": f"http://{HOST}:{self.port}/",
                "Accept": "application/json",
            },
        )


def percentiles(samples: list[float]) -> tuple[float, float]:
    if not samples:
        return 0.0, 0.0
    if len(samples) == 1:
        return samples[0], samples[0]
    return statistics.median(samples), statistics.quantiles(samples, n=20)[-1]


def run_get(sessions: list[Session], path: str, concurrency: int, meter=None) -> dict:
    """GET `path` from `concurrency` threads, each with its own session, within the bounds;
    with a CpuMeter, also the server's and the database's CPU time per request."""
    for s in sessions[:2]:  # warm-up (templates, connections), bounded for slow pages
        s.request("GET", path)
    meter = meter or contextlib.nullcontext()
    samples: list[float] = []
    codes: Counter = Counter()
    lock = threading.Lock()
    limit = MAX_REQUESTS if concurrency > 1 else min(MAX_REQUESTS, 400)
    started = time.perf_counter()
    deadline = started + SECONDS

    def worker(s: Session):
        while time.perf_counter() < deadline:
            with lock:
                if sum(codes.values()) >= limit:
                    return
            t0 = time.perf_counter()
            status, _h, _ = s.request("GET", path)
            ms = (time.perf_counter() - t0) * 1000
            with lock:
                codes[status] += 1
                if status == 200:
                    samples.append(ms)

    threads = [threading.Thread(target=worker, args=(s,)) for s in sessions[:concurrency]]
    with meter:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    elapsed = time.perf_counter() - started
    p50, p95 = percentiles(samples)
    out = {
        "p50_ms": round(p50, 1),
        "p95_ms": round(p95, 1),
        "rps": round(len(samples) / elapsed, 1),
        "n": len(samples),
        "concurrency": concurrency,
    }
    if isinstance(meter, CpuMeter) and codes:
        n = sum(codes.values())
        out["server_cpu_ms"] = round(meter.app / n * 1000, 1)
        out["db_cpu_ms"] = round(meter.db / n * 1000, 1)
    errors = {str(k): v for k, v in codes.items() if k != 200}
    if errors:
        out["errors"] = errors
    return out


# ---------------------------------------------------------------- RSS of the workers


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


# ---------------------------------------------------------------- CPU time


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


# ---------------------------------------------------------------- claims


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


# ---------------------------------------------------------------- in-process work (subprocess)


def child_main(task: str, arg: str) -> None:
    """Work that runs inside Django in a separate process (so its peak RSS is its own)."""
    import django

    django.setup()
    from django.db import connection, connections

    params = json.loads(arg)
    if task == "queries":
        from django.contrib.auth import get_user_model
        from django.test import Client
        from django.test.utils import CaptureQueriesContext

        users = get_user_model().objects
        out = {}
        for name, username, path in params["pages"]:
            client = Client()
            user = users.get(username=username)
            client.force_login(user)
            if username in TWO_FACTOR_USERS:  # a session that passed the second factor
                from django_otp import DEVICE_ID_SESSION_KEY

                session = client.session
                session[DEVICE_ID_SESSION_KEY] = _bench_authenticator(user).persistent_id
                session.save()
            client.get(path)
            with CaptureQueriesContext(connection) as captured:
                response = client.get(path)
            ranked = sorted(captured.captured_queries, key=lambda q: -float(q["time"]))
            out[name] = {
                "queries": len(captured.captured_queries),
                "status": response.status_code,
                "slowest": [{"ms": float(q["time"]) * 1000, "sql": q["sql"]} for q in ranked[:3]],
            }
        print(json.dumps(out))
    elif task == "recovery_codes":
        from django.contrib.auth import get_user_model
        from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

        out = {}
        for username in TWO_FACTOR_USERS:
            user = get_user_model().objects.get(username=username)
            _bench_authenticator(user)
            device, _ = StaticDevice.objects.get_or_create(user=user, defaults={"name": "bench"})
            device.token_set.all().delete()
            codes = [StaticToken.random_token() for _ in range(params["count"])]
            StaticToken.objects.bulk_create(StaticToken(device=device, token=c) for c in codes)
            out[username] = codes
        print(json.dumps(out))
    elif task == "claim_service":
        from teams.models import Agent
        from tickets.services import ticket_claim_next

        agents = list(Agent.objects.filter(user__username__startswith="claimer.").order_by("pk"))
        got: list[int] = []
        samples: list[float] = []
        none = [0]
        db_cpu = [0.0]
        lock = threading.Lock()
        cpu_started = time.process_time()
        started = time.perf_counter()
        deadline = started + params["seconds"]

        def worker(agent):
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                backend = cursor.fetchone()[0]
            backend_cpu = cpu_seconds(backend)
            try:
                while time.perf_counter() < deadline:
                    with lock:
                        if len(got) >= params["max"] or none[0] > 50:
                            return
                    t0 = time.perf_counter()
                    ticket = ticket_claim_next(agent=agent)
                    ms = (time.perf_counter() - t0) * 1000
                    with lock:
                        if ticket is None:
                            none[0] += 1
                        else:
                            got.append(ticket.pk)
                            samples.append(ms)
            finally:
                with lock:
                    db_cpu[0] += cpu_seconds(backend) - backend_cpu
                connections.close_all()

        threads = [threading.Thread(target=worker, args=(a,)) for a in agents[:16]]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - started
        app_cpu = time.process_time() - cpu_started
        p50, p95 = percentiles(samples)
        out = {
            "p50_ms": round(p50, 2),
            "p95_ms": round(p95, 2),
            "rps": round(len(got) / elapsed, 1),
            "claims": len(got),
            "duplicates": sum(c - 1 for c in Counter(got).values() if c > 1),
            "threads": len(threads),
            "nothing_left": none[0],
        }
        if got:
            out["cpu_ms_per_claim"] = {
                "app": round(1000 * app_cpu / len(got), 2),
                "db": round(1000 * db_cpu[0] / len(got), 2),
            }
        out.update(claim_queries(agents[0]))
        print(json.dumps(out))
    elif task == "sla_sweep":
        from django.db import transaction

        from tickets.models import TicketSLA
        from tickets.services.escalation import sla_sweep

        now = datetime.now(UTC)
        running = TicketSLA.objects.filter(stopped_at__isnull=True)
        out = {"running_targets": running.count()}
        out["open_tickets"] = running.values("ticket_id").distinct().count()
        for label, cold in (("steady", False), ("cold", True)):
            with transaction.atomic():  # rolled back: the data set stays as generated
                if cold:  # as if no sweep had ever run: every due target breaches now
                    running.update(warned_at=None, breached_at=None, met=None, escalation_level=0)
                t0 = time.perf_counter()
                result = sla_sweep(now=now)
                out[f"{label}_seconds"] = round(time.perf_counter() - t0, 3)
                out[f"{label}_at_risk"] = len(result.at_risk)
                out[f"{label}_breached"] = len(result.breached)
                transaction.set_rollback(True)
        print(json.dumps(out))
    elif task == "routing":
        print(json.dumps(routing_bench(params["count"], params["push"])))
    elif task == "rollup_refresh":
        from metrics.services.rollups import rollup_refresh
        from tickets.models import Ticket

        day = datetime.fromisoformat(params["day"])
        now = datetime.now(UTC)
        touched = Ticket.objects.filter(
            created_at__gte=day, created_at__lt=day + timedelta(days=1)
        ).update(updated_at=now)
        t0 = time.perf_counter()
        result = rollup_refresh(now=now + timedelta(seconds=1))
        took = time.perf_counter() - t0
        print(json.dumps({"seconds": round(took, 2), "touched": touched, **result}))


def routing_bench(count: int, push: int) -> dict:
    """Time what routing adds to ticket_create (the decision: rules, follow-the-sun; the
    record: TicketRouting and its event) on new tickets, and ticket_auto_assign for a push-mode team, all in one transaction that is rolled back.
    The data set has no routing rules: the run adds one per team (category and language
    conditions, as an admin would) and a default, so every decision walks a real rule list."""
    import random

    from django.db import connection, transaction
    from django.db.models import Count
    from django.test.utils import CaptureQueriesContext

    from teams.caches import ON_SHIFT
    from teams.models import Agent, Presence, Team
    from teams.selectors import teams_on_shift
    from tickets.models import Category, Requester, RoutingRule, Ticket
    from tickets.services.routing import (
        routing_apply,
        routing_decide,
        routing_record,
        ticket_auto_assign,
    )

    rng = random.Random(7)
    out: dict = {}

    def timed(fn, samples: list, cpu: list, queries: list | None = None):
        with contextlib.ExitStack() as stack:
            captured = stack.enter_context(CaptureQueriesContext(connection)) if queries else None
            t0, c0 = time.perf_counter(), time.process_time()
            result = fn()
            samples.append((time.perf_counter() - t0) * 1000)
            cpu.append((time.process_time() - c0) * 1000)
        if captured is not None:
            queries[0].append(len(captured.captured_queries))
        return result

    with transaction.atomic():
        teams = list(Team.objects.order_by("pk"))
        categories = list(Category.objects.order_by("pk"))
        requesters = list(Requester.objects.order_by("pk")[:1000])
        for i, team in enumerate(teams):
            rule = RoutingRule.objects.create(
                name=f"bench {team.slug}", position=i, team=team, languages=team.languages[:1]
            )
            rule.categories.set([c for c in categories if c.slug in (team.categories or [])][:2])
        RoutingRule.objects.create(name="bench default", is_default=True, team=teams[0])
        now = datetime.now(UTC)

        def new_ticket(**kw) -> Ticket:
            return Ticket.objects.create(
                subject="Bench routing", requester=rng.choice(requesters),
                category=kw.pop("category", None) or rng.choice(categories), created_at=now,
                channel=rng.choice(["web", "email", "api"]),
                language=rng.choice(["en", "en", "es", "de", "pl", "tl", "fr"]), **kw,
            )  # fmt: skip

        ON_SHIFT.move()
        cold: list[float] = []
        timed(lambda: teams_on_shift(team_ids=[t.pk for t in teams], at=now), cold, [])
        out["on_shift_all_teams_cold_ms"] = round(cold[0], 2)
        tickets = [new_ticket() for _ in range(count)]
        wall: list[float] = []
        cpu: list[float] = []
        queries: list[list[int]] = [[]]
        followed = 0
        decide: list[float] = []

        def route(t: Ticket):
            """What ticket_create adds: decide before the INSERT, record after it."""
            t0 = time.perf_counter()
            decision = routing_decide(
                category=t.category, language=t.language, country=t.requester.country,
                channel=t.channel, subject=t.subject, body="Please help me", now=now,
            )  # fmt: skip
            decide.append((time.perf_counter() - t0) * 1000)
            routing_apply(ticket=t, decision=decision)
            routing_record(ticket=t, decision=decision, now=now)
            return decision

        for i, ticket in enumerate(tickets):
            decision = timed(lambda t=ticket: route(t), wall, cpu, queries if i < 100 else None)
            followed += decision.followed_sun
        p50, p95 = percentiles(wall)
        out.update(
            p50_ms=round(p50, 2), p95_ms=round(p95, 2),
            decide_p50_ms=round(statistics.median(decide), 2),
            cpu_p50_ms=round(statistics.median(cpu), 2),
            queries=statistics.median(queries[0]), queries_max=max(queries[0]),
            decisions=len(wall), followed_sun=followed, rules=len(teams) + 1,
            teams=len(teams), agents=Agent.objects.count(),
        )  # fmt: skip

        available = (
            Agent.objects.filter(presence=Presence.AVAILABLE, status=Agent.Status.ACTIVE)
            .values("team_id")
            .annotate(n=Count("pk"))
            .order_by("-n")
            .first()
        )
        if available and push:
            team = Team.objects.get(pk=available["team_id"])
            team.work_mode = Team.WorkMode.PUSH
            team.save(update_fields=["work_mode"])
            skills = set(Agent.objects.filter(team=team).values_list("skills", flat=True)[0] or [])
            usable = [c for c in categories if not skills or c.slug in skills] or categories
            pushed = [new_ticket(team=team, category=rng.choice(usable)) for _ in range(push)]
            wall, cpu, queries = [], [], [[]]
            assigned = 0
            for i, ticket in enumerate(pushed):
                got = timed(
                    lambda t=ticket: ticket_auto_assign(ticket_id=t.pk),
                    wall, cpu, queries if i < 50 else None,
                )  # fmt: skip
                assigned += got is not None
            p50, p95 = percentiles(wall)
            out["push_auto_assign"] = {
                "p50_ms": round(p50, 2), "p95_ms": round(p95, 2),
                "cpu_p50_ms": round(statistics.median(cpu), 2),
                "queries": statistics.median(queries[0]), "assigned": assigned,
                "tickets": len(pushed), "available_agents": available["n"],
            }  # fmt: skip
        transaction.set_rollback(True)  # the data set stays as generated
    ON_SHIFT.move()  # nothing cached from inside the rolled-back transaction outlives it
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


# Bench logins whose role must pass a second factor: each HTTP login spends a recovery code
# made for the run (the "recovery_codes" child task); the authenticator itself is never used.
TWO_FACTOR_USERS = ("lead", "manager")


def _bench_authenticator(user):
    """The user's confirmed TOTP device, created when missing (bench data only)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name="bench", confirmed=True)


def run_child(task: str, params: dict, env: dict, timeout: float = 300) -> dict:
    proc = subprocess.run(
        [PY, str(Path(__file__).resolve()), "--child", task, json.dumps(params)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"{task} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------- main


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


def xlsx_rows(body: bytes) -> int:
    """Data rows in the first sheet (write-only workbooks record no dimension: count <row>)."""
    import io
    import zipfile

    with zipfile.ZipFile(io.BytesIO(body)) as z:
        sheet = next(n for n in z.namelist() if n.startswith("xl/worksheets/sheet"))
        return z.read(sheet).count(b"<row ") - 1


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


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        sys.path.insert(0, str(ROOT))
        child_main(sys.argv[2], sys.argv[3])
        sys.exit(0)
    sys.exit(main())
