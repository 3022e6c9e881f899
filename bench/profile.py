"""Where one page's time goes on the bench database: CPU per request, queries, a profile.

    BENCH_DATABASE_URL=... .venv/bin/python bench/profile.py team_queue workspace_20_messages

Runs the pages of bench/load.py in this process through Django's full request stack (the
same settings as the gunicorn that load.py starts: DEBUG off, the same middleware and
templates) as the same users, and for each page prints:

- Python CPU time per request (this process) and the PostgreSQL backend's CPU time per
  request (read from /proc for the connection's own server process), so figures taken on
  a busy machine still say what one request costs;
- the number of queries and their total time, the slowest three;
- with PROFILE=1, a pyinstrument profile of BENCH_PROFILE_REQUESTS requests (default 50);
  with CPROFILE=tottime (or cumtime), cProfile's top CPROFILE_LINES functions (default 40).

Only reads (the pages are GETs); the machine's other load inflates wall times, not CPU times.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

# The project root instead of bench/, whose profile.py would shadow the standard library's.
sys.path[0] = str(Path(__file__).resolve().parent.parent)

from bench.common import bench_url  # noqa: E402
from bench.loadtest.child import TWO_FACTOR_USERS, _bench_authenticator  # noqa: E402
from bench.loadtest.meters import cpu_seconds  # noqa: E402
from bench.loadtest.server import bench_meta, server_env  # noqa: E402

REQUESTS = int(os.environ.get("BENCH_PROFILE_REQUESTS", "50"))


def pages(workspace: int) -> dict[str, tuple[str, str]]:
    return {
        "team_queue": ("associate", "/tickets/?view=team"),
        "workspace_20_messages": ("associate", f"/tickets/{workspace}/"),
        "lead_dashboard": ("lead", "/metrics/team/"),
        "manager_dashboard": ("manager", "/metrics/overview/"),
        "api_list_filter": ("lead", "/api/v1/tickets/?status=open&priority=3"),
        "search": ("lead", "/api/v1/tickets/?q=camera"),
    }


def client_for(username: str):
    from django.contrib.auth import get_user_model
    from django.test import Client

    user = get_user_model().objects.get(username=username)
    client = Client()
    client.force_login(user)
    if username in TWO_FACTOR_USERS:  # a session that passed the second factor
        from django_otp import DEVICE_ID_SESSION_KEY

        session = client.session
        session[DEVICE_ID_SESSION_KEY] = _bench_authenticator(user).persistent_id
        session.save()
    return client


def measure(client, path: str) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(3):  # warm: templates, connection, caches
        response = client.get(path)
        if response.status_code != 200:
            raise SystemExit(f"profile: GET {path} answered {response.status_code}")
    with CaptureQueriesContext(connection) as captured:
        client.get(path)
    queries = captured.captured_queries
    with connection.cursor() as cur:
        cur.execute("SELECT pg_backend_pid()")
        backend = cur.fetchone()[0]
    db0, cpu0, wall0 = cpu_seconds(backend), time.process_time(), time.perf_counter()
    for _ in range(REQUESTS):
        client.get(path)
    n = REQUESTS
    return {
        "python_cpu_ms": round((time.process_time() - cpu0) / n * 1000, 2),
        "db_cpu_ms": round((cpu_seconds(backend) - db0) / n * 1000, 2),
        "wall_ms": round((time.perf_counter() - wall0) / n * 1000, 2),
        "queries": len(queries),
        "sql_ms": round(sum(float(q["time"]) for q in queries) * 1000, 1),
        "slowest": sorted(queries, key=lambda q: -float(q["time"]))[:3],
    }


def main(names: list[str]) -> int:
    url = bench_url()
    meta = bench_meta(url)
    os.environ.update(server_env(url, tempfile.mkdtemp(prefix="frontline-profile-")))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("collectstatic", "--noinput", verbosity=0)
    known = pages(meta["counts"]["workspace_ticket"])
    for name in names or ["team_queue", "workspace_20_messages"]:
        username, path = known[name]
        client = client_for(username)
        row = measure(client, path)
        slowest = row.pop("slowest")
        print(f"{name} ({username} GET {path}): {row}")
        for q in slowest:
            print(f"   {float(q['time']) * 1000:7.1f} ms  {q['sql'][:300]}")
        if os.environ.get("PROFILE"):
            from pyinstrument import Profiler

            profiler = Profiler(interval=0.0005)
            with profiler:
                for _ in range(REQUESTS):
                    client.get(path)
            print(profiler.output_text(unicode=True, color=False, show_all=False))
        if os.environ.get("CPROFILE"):  # the functions that spend the time themselves
            import cProfile
            import pstats

            prof = cProfile.Profile()
            with prof:
                for _ in range(REQUESTS):
                    client.get(path)
            stats = pstats.Stats(prof).sort_stats(os.environ["CPROFILE"] or "tottime")
            stats.print_stats(int(os.environ.get("CPROFILE_LINES", "40")))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
