"""What bench/load.py runs and for how long (BENCH_ONLY, BENCH_SECONDS, BENCH_REQUESTS, ...),
the page targets, and its log line."""

from __future__ import annotations

import os
import sys
import time

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
