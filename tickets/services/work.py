"""Handle time: recording the time agents spend working a ticket in the workspace."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from ..models import Ticket, WorkSession


def _idle_cutoff() -> timedelta:
    return timedelta(seconds=settings.FRONTLINE["WORK_IDLE_SECONDS"])


def _utc_day(value: datetime):
    return value.astimezone(UTC).date()


@transaction.atomic
def work_heartbeat(*, ticket: Ticket, agent, now: datetime | None = None) -> WorkSession:
    """Record that `agent` is working `ticket` now (the workspace is visible and focused).

    A heartbeat within WORK_IDLE_SECONDS of the agent's last one on this ticket extends that
    session by the gap; otherwise (idle, or a new UTC day) a new session starts at `now` with
    no time yet — only the time between heartbeats counts. Precondition: the caller checked
    that `agent` may see the ticket. Two heartbeats racing are serialised on the agent's row.
    """
    now = now or timezone.now()
    get_user_model().objects.select_for_update().filter(pk=agent.pk).first()
    last = (
        WorkSession.objects.filter(agent=agent, ticket=ticket)
        .order_by("-last_seen_at", "-pk")
        .first()
    )
    if last is not None and last.last_seen_at <= now:
        gap = now - last.last_seen_at
        if gap <= _idle_cutoff() and _utc_day(now) == _utc_day(last.started_at):
            last.seconds += gap.total_seconds()
            last.last_seen_at = now
            last.save(update_fields=["seconds", "last_seen_at"])
            return last
        if gap <= _idle_cutoff():
            # Crossing a UTC midnight: the part before midnight stays on the old day.
            midnight = datetime.combine(_utc_day(now), datetime.min.time(), tzinfo=UTC)
            last.seconds += (midnight - last.last_seen_at).total_seconds()
            last.last_seen_at = midnight
            last.save(update_fields=["seconds", "last_seen_at"])
            return WorkSession.objects.create(
                agent=agent,
                ticket=ticket,
                started_at=midnight,
                last_seen_at=now,
                seconds=(now - midnight).total_seconds(),
            )
    elif last is not None:
        return last  # a heartbeat older than the last one recorded (late delivery): ignored
    return WorkSession.objects.create(
        agent=agent, ticket=ticket, started_at=now, last_seen_at=now, seconds=0
    )
