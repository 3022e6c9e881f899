"""`make bench`: seed a separate database with the demo operation, then time the main pages.

Data: a fresh SQLite file at var/bench/bench.sqlite3 (or DATABASE_URL when set, seeded only if
it holds no tickets), filled through teams.demo and tickets.demo with BENCH_TICKETS tickets
(default 20000). Timing: Django's test client in this process (no network, no server), each
endpoint requested BENCH_REQUESTS times (default 40) after a warm-up, stopping early after
BENCH_SECONDS seconds (default 20) per endpoint. Prints a table and writes
bench/results/latest.json: {"<endpoint>": {"p50_ms", "p95_ms", "queries", "n"}, "_meta": {...}}.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
TICKETS = int(os.environ.get("BENCH_TICKETS", "20000"))
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "40"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "20"))
WARMUP = 3


def setup_django() -> str:
    """Point Django at the bench database before settings load; return a description of it."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "support.settings")
    os.environ.setdefault("DEBUG", "1")
    if os.environ.get("DATABASE_URL"):
        where = "DATABASE_URL"
    else:
        var = Path(os.environ.get("FRONTLINE_VAR_DIR", ROOT / "var")) / "bench"
        var.mkdir(parents=True, exist_ok=True)
        db = var / "bench.sqlite3"
        for stale in var.glob("bench.sqlite3*"):  # the file and its -wal / -shm companions
            stale.unlink()
        os.environ["DATABASE_URL"] = f"sqlite:///{db}"
        where = str(db.relative_to(ROOT) if db.is_relative_to(ROOT) else db)
    import django

    django.setup()
    return where


def seed() -> float:
    from django.core.management import call_command

    from teams.demo import seed_people
    from tickets.demo import seed_categories, seed_tickets

    started = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    seed_people(seed=7)
    seed_categories()
    seed_tickets(count=TICKETS, days=90, seed=7)
    return time.perf_counter() - started


def endpoints():
    """(name, username, url) for each measured request, built from the seeded data."""
    from django.contrib.auth import get_user_model
    from django.urls import reverse

    from tickets.models import Ticket

    user = get_user_model().objects.get(username="associate")
    visible = Ticket.objects.visible_to(user).filter(status__in=Ticket.UNSOLVED)
    ticket = visible.filter(assignee=user).order_by("pk").first() or visible.order_by("pk").first()
    if ticket is None:
        raise SystemExit("bench: the demo associate can see no unsolved ticket; seed more tickets")
    return [
        ("queue", "associate", reverse("tickets:queue")),
        ("ticket_detail", "associate", reverse("tickets:detail", args=[ticket.pk])),
        ("team_dashboard", "lead", reverse("metrics:team_dashboard")),
        ("overview", "manager", reverse("metrics:overview")),
        ("api_ticket_list", "lead", reverse("ticket-list") + "?status=open"),
    ]


def measure(client, url: str) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(WARMUP):
        response = client.get(url)
        if response.status_code != 200:
            raise RuntimeError(f"GET {url} answered {response.status_code}")
    with CaptureQueriesContext(connection) as captured:  # an untimed request, to count queries
        client.get(url)
    queries = len(captured.captured_queries)  # read now: the next request resets the log
    samples = []
    deadline = time.perf_counter() + SECONDS
    while len(samples) < REQUESTS and time.perf_counter() < deadline:
        started = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"GET {url} answered {response.status_code}")
    p95 = statistics.quantiles(samples, n=20)[-1] if len(samples) >= 2 else samples[0]
    return {
        "p50_ms": round(statistics.median(samples), 1),
        "p95_ms": round(p95, 1),
        "queries": queries,
        "n": len(samples),
    }


def meta(where: str, seed_seconds: float) -> dict:
    from django.db import connection

    from tickets.models import Message, Ticket, TicketEvent

    def git(*args):
        try:
            return subprocess.run(
                ["git", *args], cwd=ROOT, capture_output=True, text=True, check=True
            ).stdout.strip()
        except (OSError, subprocess.CalledProcessError):
            return ""

    pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    return {
        "commit": git("rev-parse", "--short", "HEAD"),
        "dirty": bool(git("status", "--porcelain", "--untracked-files=no")),
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "database": {"vendor": connection.vendor, "where": where},
        "data": {
            "tickets": Ticket.objects.count(),
            "messages": Message.objects.count(),
            "events": TicketEvent.objects.count(),
            "seed_seconds": round(seed_seconds, 1),
        },
        "machine": {
            "cores": os.cpu_count(),
            "memory_gb": round(pages / 2**30, 1),
            "python": platform.python_version(),
        },
        "method": f"Django test client in-process, {WARMUP} warm-up requests, up to {REQUESTS} "
        f"timed requests or {SECONDS:g}s per endpoint",
    }


def main() -> int:
    where = setup_django()
    print(f"bench: seeding {TICKETS} tickets into {where} …", flush=True)
    seed_seconds = seed()

    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client

    settings.DEBUG = False  # time what production runs, not the debug toolbar of Django
    users = get_user_model().objects
    results = {}
    for name, username, url in endpoints():
        client = Client()
        client.force_login(users.get(username=username))
        print(f"bench: {name:<16} GET {url}", flush=True)
        results[name] = measure(client, url)

    info = meta(where, seed_seconds)
    data = info["data"]
    print()
    print(
        f"{data['tickets']} tickets, {data['messages']} messages, {data['events']} events "
        f"({info['database']['vendor']}, seeded in {data['seed_seconds']}s); "
        f"commit {info['commit'] or '?'}{' (dirty)' if info['dirty'] else ''}; "
        f"{info['machine']['cores']} cores"
    )
    print(f"{'endpoint':<18}{'p50 ms':>9}{'p95 ms':>9}{'queries':>9}{'n':>5}")
    for name, row in results.items():
        print(f"{name:<18}{row['p50_ms']:>9}{row['p95_ms']:>9}{row['queries']:>9}{row['n']:>5}")

    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / "latest.json"
    tmp = out.with_suffix(".json.tmp")
    tmp.write_text(json.dumps({**results, "_meta": info}, indent=2) + "\n")
    tmp.replace(out)
    print(f"\nwrote {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
