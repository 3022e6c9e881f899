"""Work that runs inside Django in a child process (`bench/load.py --child TASK PARAMS`), so its
peak RSS is its own, and the parent's call into it."""

from __future__ import annotations

import json
import subprocess
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

from bench.common import ROOT
from bench.loadtest.claims import claim_queries
from bench.loadtest.client import percentiles
from bench.loadtest.config import PY
from bench.loadtest.meters import cpu_seconds
from bench.loadtest.routing import routing_bench


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
        [PY, str(ROOT / "bench" / "load.py"), "--child", task, json.dumps(params)],
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
