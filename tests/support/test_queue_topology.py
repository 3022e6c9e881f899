"""Queues by kind of work, a time limit on every task, one worker line that consumes them all,
and a beat that cannot run twice (support/beat.py)."""

from datetime import timedelta
from pathlib import Path
from unittest import mock

import pytest
from celery import current_app
from django.conf import settings
from django.utils import timezone
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from support.beat import SingleBeatScheduler
from tickets.services.outbox import QUEUES

ROOT = Path(__file__).resolve().parents[2]
KINDS = {"realtime", "mail", "bulk"}


def _our_tasks() -> dict:
    current_app.loader.import_default_modules()  # autodiscovery, as a worker does at start
    return {n: t for n, t in current_app.tasks.items() if n.split(".")[0] in {"tickets", "metrics"}}


def test_every_task_has_a_queue_by_kind_and_a_soft_and_hard_time_limit():
    tasks = _our_tasks()
    assert len(tasks) >= 17
    for name, task in tasks.items():
        route = settings.CELERY_TASK_ROUTES.get(name, {})
        assert route.get("queue") in KINDS, f"{name} has no queue by kind"
        assert task.soft_time_limit, f"{name} has no soft time limit"
        assert task.time_limit, f"{name} has no hard time limit"
        assert task.soft_time_limit < task.time_limit, name
    queues = {n: settings.CELERY_TASK_ROUTES[n]["queue"] for n in tasks}
    assert queues["tickets.tasks.sla_sweep"] == "realtime"
    assert queues["tickets.tasks.message_send_email"] == "mail"
    assert queues["metrics.tasks.rollups_refresh"] == "bulk"
    assert queues["tickets.tasks.retention_run"] == "bulk"


def test_outbox_mail_runs_on_the_mail_queue_and_routing_on_realtime():
    assert QUEUES["notifications.email"] == "mail"
    assert QUEUES["tickets.auto_assign"] == "realtime"
    assert set(QUEUES.values()) <= KINDS


def test_one_worker_line_consumes_every_queue_and_beat_is_locked():
    procfile = (ROOT / "Procfile").read_text()
    worker = next(line for line in procfile.splitlines() if line.startswith("worker:"))
    assert "-Q realtime,mail,bulk,celery" in worker
    assert set(settings.WORKER_QUEUES) == KINDS | {"celery"}
    beat = next(line for line in procfile.splitlines() if line.startswith("beat:"))
    assert "support.beat:SingleBeatScheduler" in beat
    assert settings.CELERY_BEAT_SCHEDULER == "support.beat:SingleBeatScheduler"


@pytest.fixture
def due_every_second(db):
    every = IntervalSchedule.objects.create(every=1, period=IntervalSchedule.SECONDS)
    return PeriodicTask.objects.create(
        name="test: due every second",
        task="tickets.tasks.outbox_relay",
        interval=every,
        last_run_at=timezone.now() - timedelta(minutes=5),
    )


@pytest.fixture
def two_beats(settings, tmp_path, due_every_second):
    settings.VAR_DIR = tmp_path
    sent: list[tuple[str, str]] = []

    def record(scheduler, entry, producer=None, advance=True, **kwargs):
        sent.append((scheduler.name, entry.task))

    beats = []
    with mock.patch.object(SingleBeatScheduler, "apply_async", record):
        for name in ("first", "second"):
            beat = SingleBeatScheduler(app=current_app)
            beat.name = name
            beats.append(beat)
        yield beats, sent
    for beat in beats:
        beat.close()
        beat._finalize.cancel()  # its sync at interpreter exit would find no test database


@pytest.mark.django_db(transaction=True)
def test_two_beats_started_send_one_schedule_and_the_second_takes_over(two_beats):
    (first, second), sent = two_beats
    for _ in range(3):
        first.tick()
        second.tick()
    assert sent, "the beat holding the lock sent nothing"
    assert {who for who, _task in sent} == {"first"}
    assert {task for _who, task in sent} == {"tickets.tasks.outbox_relay"}

    first.lock.release()  # the first beat stops: the waiting one takes over
    sent.clear()
    PeriodicTask.objects.update(last_run_at=timezone.now() - timedelta(minutes=5))
    second.tick()
    second.tick()
    assert {who for who, _task in sent} == {"second"}
