"""The outbox: work for Celery written in the same transaction as the change that needs it.

`outbox_add` stores a row and, on commit, hands it to Celery; `outbox_run` (the worker side)
runs the handler and marks the row done in one transaction, so a message that is delivered
twice runs once in effect. A handler registered with `commits_own_work=True` (e-mail batches:
what went to a mail server cannot be rolled back) runs outside that transaction and commits
each item with its own "done" mark, so a killed and retried run skips what was handed off. A broker outage loses nothing: `outbox_relay_pending` (beat, every
minute) re-sends rows not done after a grace period.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from core.effects import enqueue

from ..models import OutboxMessage

logger = logging.getLogger(__name__)

HANDLERS: dict[str, Callable[[dict], None]] = {}
OWN_TRANSACTIONS: set[str] = set()  # handlers that commit item by item (see the docstring)
QUEUES: dict[str, str] = {}  # handler name -> Celery queue its messages run on
RESEND_AFTER = timedelta(minutes=2)
DELIVER = "tickets.tasks.outbox_deliver"  # the task that runs a message (outbox_run)


def outbox_handler(name: str, *, queue: str = "realtime", commits_own_work: bool = False):
    """Register the function that performs outbox messages named `name`, run on Celery queue
    `queue` (settings.CELERY_TASK_ROUTES: realtime, mail or bulk); with `commits_own_work` it
    must be safe to run twice (each item marked in its own transaction)."""

    def register(fn):
        HANDLERS[name] = fn
        QUEUES[name] = queue
        if commits_own_work:
            OWN_TRANSACTIONS.add(name)
        return fn

    return register


def _send(pk: int, task: str) -> None:
    if not enqueue(
        DELIVER, args=(pk,), queue=QUEUES.get(task, "realtime")
    ):  # broker down: the row stays pending for the relay
        logger.warning("Outbox message %s waits for the relay", pk)
        return
    OutboxMessage.objects.filter(pk=pk, sent_at__isnull=True).update(sent_at=timezone.now())


def outbox_add(*, task: str, payload: dict) -> OutboxMessage:
    """Record work for Celery inside the caller's transaction; it is sent after commit."""
    if task not in HANDLERS:
        raise ValueError(f"No outbox handler named {task!r}")
    message = OutboxMessage.objects.create(task=task, payload=payload, created_at=timezone.now())
    transaction.on_commit(lambda: _send(message.pk, task))
    return message


def outbox_run(*, message_id: int) -> bool:
    """Run one outbox message unless it already ran; True when it ran now."""
    task = OutboxMessage.objects.filter(pk=message_id).values_list("task", flat=True).first()
    if task in OWN_TRANSACTIONS:
        return _run_committing(message_id)
    with transaction.atomic():
        message = (
            OutboxMessage.objects.select_for_update().filter(pk=message_id, done_at=None).first()
        )
        if message is None:
            return False
        OutboxMessage.objects.filter(pk=message.pk).update(attempts=F("attempts") + 1)
        HANDLERS[message.task](message.payload)
        OutboxMessage.objects.filter(pk=message.pk).update(done_at=timezone.now())
        return True


def _run_committing(message_id: int) -> bool:
    """A handler that commits item by item: no transaction (nor row lock) around it, so what
    it handed off stays marked if the worker dies midway; the row is done once it finished."""
    pending = OutboxMessage.objects.filter(pk=message_id, done_at=None)
    message = pending.first()
    if message is None:
        return False
    pending.update(attempts=F("attempts") + 1)
    HANDLERS[message.task](message.payload)
    return bool(pending.update(done_at=timezone.now()))


def outbox_relay_pending(*, now=None, limit: int = 500) -> int:
    """Send again what the broker never got (or a worker never finished); returns the count."""
    now = now or timezone.now()
    rows = list(
        OutboxMessage.objects.filter(done_at__isnull=True, created_at__lte=now - RESEND_AFTER)
        .order_by("pk")
        .values_list("pk", "task")[:limit]
    )
    for pk, task in rows:
        _send(pk, task)
    return len(rows)
