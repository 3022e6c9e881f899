"""After-commit side effects: hand a Celery task, named as registered, to the broker.

Services never import tasks (tasks import services): they ask for a task by its name, so the
dependency runs one way and an import cycle cannot hide behind a function-level import.

- `enqueue` sends now and returns False (logged) when the broker is unreachable, so a broker
  outage never turns a committed write into an error; work that must not be lost goes
  through an outbox whose relay sends it again (tickets.services.outbox).
- `after_commit` enqueues once the caller's transaction commits (at once outside one).

The task is looked up in the app's registry and called with `delay`/`apply_async`, not with
`send_task`: `send_task` bypasses `task_always_eager`, which the test settings rely on.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

from celery import current_app
from django.db import transaction

logger = logging.getLogger(__name__)


def task_named(name: str):
    """The registered Celery task `name` ("app.tasks.function"). Web processes register
    tasks lazily: autodiscovery runs here on first use, as a worker runs it at start."""
    tasks = current_app.tasks
    if name not in tasks:
        current_app.loader.import_default_modules()
    return tasks[name]


def enqueue(name: str, *, args: Sequence = (), kwargs: Mapping | None = None, **options) -> bool:
    """Send task `name` with `args`/`kwargs` and Celery `options` (e.g. countdown); False
    when the broker could not take it (the caller's outbox or sweep sends it later)."""
    task = task_named(name)
    try:
        if options:
            extra = {"kwargs": dict(kwargs)} if kwargs else {}
            task.apply_async(tuple(args), **extra, **options)
        else:
            task.delay(*args, **(kwargs or {}))
    except Exception:  # broker down: never fail the request that already committed
        logger.warning("Broker unavailable; task %s%r not sent", name, tuple(args))
        return False
    return True


def after_commit(
    name: str, *, args: Sequence = (), kwargs: Mapping | None = None, **options
) -> None:
    """Enqueue task `name` after the current transaction commits (see `enqueue`)."""
    args, kwargs = tuple(args), dict(kwargs or {})
    transaction.on_commit(lambda: enqueue(name, args=args, kwargs=kwargs, **options))
