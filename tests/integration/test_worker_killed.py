"""SIGKILL the Celery worker in the middle of a sweep: nothing is lost, nothing escalates twice.

The sweep runs in one transaction. To kill it at a known point, the test holds a row lock on
one breached SLA row from a second database connection: the worker's sweep claims the other
breached rows, then blocks on that one (its transaction has written — it holds an xid). Then:

- `pool_child`: a prefork worker's pool process is SIGKILLed; the sweep task is `acks_late`
  with `reject_on_worker_lost`, so the parent puts the message back and a fresh pool process
  runs the sweep again.
- `whole_worker`: the whole worker (its process group) is SIGKILLed; a new worker started
  afterwards gets the never-acknowledged message back from Redis once its visibility timeout
  has passed, and runs the sweep.

Either way the killed transaction rolls back, and after the rerun every breach is escalated
exactly once: one Escalation, one "escalated" event, one priority step, one notice each.
Uses the broker fixture and helpers of test_celery_worker.py (PostgreSQL only).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection, connections

from tests.integration.test_celery_worker import (  # noqa: F401 - `broker` is a fixture
    ROOT,
    _breached_ticket,
    _wait,
    broker,
)
from tickets.models import Escalation, Notification, OutboxMessage, Ticket, TicketEvent, TicketSLA
from tickets.services import sla_sweep

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]
BREACHES = 25


def _start_worker(url: str, tmp_path: Path, name: str, pool: list[str], **env_extra):
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "CELERY_BROKER_URL": url,
        "SECRET_KEY": "integration-test",
        "FRONTLINE_VAR_DIR": str(tmp_path),
        "DEBUG": "0",
        **env_extra,
    }
    log_path = tmp_path / f"{name}.log"
    log = open(log_path, "wb")  # noqa: SIM115 - closed by _stop
    proc = subprocess.Popen(  # noqa: S603 - fixed argv, no user input
        [sys.executable, "-m", "celery", "-A", "support", "worker", "-Q", "realtime,mail,bulk,celery", "-n", f"{name}@%h", *pool,
         "--without-heartbeat", "--without-gossip", "--without-mingle", "-l", "info"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    _wait(lambda: b"ready" in log_path.read_bytes(), 180, f"{name} ready")
    return proc, log, log_path


def _stop(proc, log) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)
    log.close()


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def _blocked_sweep() -> tuple[int, str | None] | None:
    """(backend pid, its transaction id) of a sweep waiting on our row lock, if any."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid, backend_xid::text FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock' "
            "AND query LIKE 'UPDATE tickets_ticketsla%%'"
        )
        return cursor.fetchone()


def _backend_gone(pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [pid])
        return cursor.fetchone()[0] == 0


@pytest.mark.parametrize("kill", ["pool_child", "whole_worker"])
def test_worker_killed_mid_sweep_escalates_every_breach_exactly_once(request, tmp_path, kill):
    from tickets.tasks import sla_sweep as sweep_task

    _redis, url = request.getfixturevalue("broker")  # its own redis-server
    tickets = [_breached_ticket()[0] for _ in range(BREACHES)]
    last = TicketSLA.objects.filter(ticket=tickets[-1]).get()
    pool = ["-P", "prefork", "-c", "1"] if kill == "pool_child" else ["-P", "solo"]
    proc, log, log_path = _start_worker(url, tmp_path, "first", pool)
    second = None
    holder = connections.create_connection("default")
    try:
        with holder.cursor() as cursor:
            cursor.execute("BEGIN")
            cursor.execute("SELECT id FROM tickets_ticketsla WHERE id = %s FOR UPDATE", [last.pk])
        sweep_task.delay()
        _wait(lambda: _blocked_sweep() is not None, 60, "the sweep to block on the locked row")
        backend, xid = _blocked_sweep()
        assert xid is not None  # the sweep had already written (claimed rows) when killed
        assert not Escalation.objects.exists()  # nothing committed yet

        if kill == "pool_child":
            (child,) = _children(proc.pid)
            os.kill(child, signal.SIGKILL)
            _wait(lambda: b"WorkerLostError" in log_path.read_bytes(), 30, "worker lost")
        else:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)
        with holder.cursor() as cursor:
            cursor.execute("COMMIT")  # the killed sweep's backend now finds its client gone
        _wait(lambda: _backend_gone(backend), 30, "the killed sweep's transaction to end")
        if kill == "whole_worker":
            # A restarted worker: the message nobody acknowledged comes back from Redis.
            second = _start_worker(
                url, tmp_path, "second", ["-P", "solo"], CELERY_VISIBILITY_TIMEOUT="2"
            )

        _wait(
            lambda: Escalation.objects.filter(ticket__in=tickets).count() >= BREACHES,
            90,
            "every breach escalated after the restart",
        )
        _wait(
            lambda: not OutboxMessage.objects.filter(done_at__isnull=True).exists(),
            30,
            "the notices' emails delivered",
        )
        time.sleep(1)
    finally:
        holder.close()
        _stop(proc, log)
        if second is not None:
            _stop(second[0], second[1])

    assert Escalation.objects.filter(ticket__in=tickets).count() == BREACHES
    assert set(Escalation.objects.values_list("ticket", flat=True)) == {t.pk for t in tickets}
    assert TicketEvent.objects.filter(kind="escalated").count() == BREACHES
    assert TicketEvent.objects.filter(kind="change", field="priority").count() == BREACHES
    # One priority step each (normal → high), not two.
    assert set(
        Ticket.objects.filter(pk__in=[t.pk for t in tickets]).values_list("priority", flat=True)
    ) == {Ticket.Priority.HIGH}
    assert Notification.objects.filter(kind="sla_breached").count() == BREACHES
    assert set(OutboxMessage.objects.values_list("attempts", flat=True)) == {1}
    assert sla_sweep().breached == []  # and a further sweep finds nothing left to do
