"""A real Celery worker against a real Redis and the PostgreSQL test database.

The test starts its own redis-server on a free port (so it can stop it to simulate a broker
outage) and `celery -A support worker` as a subprocess pointed at pytest's test database.
Skipped on SQLite (CI runs them in its PostgreSQL pass); without redis-server they are skipped,
except when CI=true, where that is a failure.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from tests.factories import AgentFactory, CategoryFactory, RequesterFactory, TeamFactory
from tickets.models import Escalation, OutboxMessage, SLAPolicy, Ticket
from tickets.services import outbox_relay_pending, sla_sweep, ticket_create

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[2]


def _need(condition: bool, why: str) -> None:
    if not condition:
        if os.environ.get("CI") == "true":
            pytest.fail(why)
        pytest.skip(why)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(predicate, timeout=30.0, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


class Redis:
    def __init__(self, port: int, workdir: Path):
        self.port, self.workdir, self.proc = port, workdir, None

    def start(self):
        self.proc = subprocess.Popen(  # noqa: S603 - fixed argv, no user input
            [shutil.which("redis-server"), "--port", str(self.port), "--save", "", "--appendonly", "no",
             "--dir", str(self.workdir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        _wait(self._up, 10, "redis")

    def _up(self):
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                return True
        except OSError:
            return False

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)


def _reset_pool(app):
    """Drop the connection and producer pools so the next publish uses the current broker.

    kombu keeps pools in process-wide registries keyed by broker URL; closing one without
    clearing the registry leaves a closed pool for the next test that uses that URL.
    """
    from kombu import pools

    pools.reset()
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def broker(tmp_path, settings):
    if connection.vendor != "postgresql":
        # CI runs the suite twice; these run in the PostgreSQL pass, the embedded pass skips.
        pytest.skip("the worker shares the test database: needs PostgreSQL (DATABASE_URL)")
    _need(shutil.which("redis-server") is not None, "needs redis-server")
    redis = Redis(_free_port(), tmp_path)
    redis.start()
    url = f"redis://127.0.0.1:{redis.port}/0"
    from support.celery import app

    old = app.conf.broker_url
    app.conf.broker_url = url
    # With CELERY_BROKER_URL in Django's settings (CI), broker_url alone does not override it;
    # the read/write URLs do.
    app.conf.broker_write_url = app.conf.broker_read_url = url
    app.conf.task_always_eager = False
    app.conf.broker_transport_options = {"visibility_timeout": 3600}
    app.conf.broker_connection_retry = False
    app.conf.task_publish_retry_policy = {
        "max_retries": 2,
        "interval_start": 0,
        "interval_step": 0.2,
        "interval_max": 0.5,
    }
    _reset_pool(app)
    yield redis, url
    _reset_pool(app)
    app.conf.broker_url = old
    app.conf.broker_write_url = app.conf.broker_read_url = None
    redis.stop()


@pytest.fixture
def worker(broker, tmp_path):
    _redis, url = broker
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "CELERY_BROKER_URL": url,
        "SECRET_KEY": "integration-test",
        "FRONTLINE_VAR_DIR": str(tmp_path),
        "DEBUG": "0",
    }
    log = open(tmp_path / "worker.log", "wb")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "support", "worker", "-Q", "realtime,mail,bulk,celery", "-P", "solo",
         "--without-heartbeat", "--without-gossip", "--without-mingle", "-l", "info"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    _wait(lambda: b"ready" in (tmp_path / "worker.log").read_bytes(), 60, "worker ready")
    yield proc, tmp_path / "mail"
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


def _breached_ticket(minutes_ago=90):
    team = TeamFactory()
    assignee = AgentFactory(team=team)
    SLAPolicy.objects.get_or_create(
        name="Fast", defaults={"first_reply_minutes": 30, "business_time": False}
    )
    ticket = ticket_create(
        subject="Locked out", body="Help", requester=RequesterFactory(),
        category=CategoryFactory(slug="account-access"), team=team,
        created_at=timezone.now() - timedelta(minutes=minutes_ago),
    )  # fmt: skip
    Ticket.objects.filter(pk=ticket.pk).update(assignee=assignee.user)
    return ticket, assignee


def _mails(mail_dir: Path) -> int:
    """Messages written by the file email backend. Counted by their separator line, not by
    file: two backends created in the same second at the same address share a file name."""
    if not mail_dir.exists():
        return 0
    return sum(p.read_bytes().count(b"-" * 79) for p in mail_dir.glob("*.log"))


def test_worker_runs_the_sweep_once_and_delivers_the_outbox(worker):
    from tickets.tasks import sla_sweep as sweep_task

    _proc, mail_dir = worker
    ticket, _ = _breached_ticket()
    for _ in range(3):  # three beats in a row: one escalation
        sweep_task.delay()
    _wait(lambda: Escalation.objects.filter(ticket=ticket).exists(), 30, "escalation")
    _wait(
        lambda: not OutboxMessage.objects.filter(done_at__isnull=True).exists(),
        30,
        "outbox delivered",
    )
    time.sleep(1)
    assert Escalation.objects.filter(ticket=ticket).count() == 1
    ran = sorted(OutboxMessage.objects.values_list("task", "attempts"))
    assert ran == sorted({(task, 1) for task, _ in ran}), ran  # each message ran once
    assert "sla.resync_tickets" in {task for task, _ in ran}  # the bumped ticket retargeted
    assert _mails(mail_dir) >= 1


def test_broker_outage_loses_nothing(broker, worker):
    redis, _url = broker
    _proc, mail_dir = worker
    redis.stop()  # the broker is down while tickets breach and escalate
    tickets = [_breached_ticket()[0] for _ in range(3)]
    sla_sweep()  # in-process sweep: escalations commit; their emails wait in the outbox
    assert Escalation.objects.filter(ticket__in=tickets).count() == 3
    pending = OutboxMessage.objects.filter(done_at__isnull=True)
    assert pending.exists()
    assert not pending.filter(sent_at__isnull=False).exists()  # nothing reached a broker
    redis.start()  # back on the same port; the worker reconnects
    sent = outbox_relay_pending(now=timezone.now() + timedelta(minutes=5))
    assert sent == pending.count()
    _wait(lambda: not pending.exists(), 60, "outbox drained after the outage")
    time.sleep(1)
    assert set(OutboxMessage.objects.values_list("attempts", flat=True)) == {1}
    assert _mails(mail_dir) >= 3
