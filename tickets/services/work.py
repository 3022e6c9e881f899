"""Handle time: recording the time agents spend working a ticket in the workspace."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from teams.models import Sensitivity
from teams.services import exposure_work

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
    On a sensitive or restricted ticket the time added also goes to teams' exposure log
    (exposure minutes; the team's cool-down counts from the last heartbeat).
    """
    now = now or timezone.now()
    get_user_model().objects.select_for_update().filter(pk=agent.pk).first()
    session, added = _extend(ticket, agent, now)
    if added is not None and ticket.category.sensitivity != Sensitivity.NONE:
        # Work time on a sensitive ticket is exposure: its minutes, and the cool-down's start.
        exposure_work(
            user=agent,
            ticket_id=ticket.pk,
            sensitivity=ticket.category.sensitivity,
            seconds=added,
            at=now,
        )
    return session


def _extend(ticket: Ticket, agent, now: datetime) -> tuple[WorkSession, float | None]:
    """work_heartbeat's session: (the session extended or started, the seconds of work it
    added — None for a late heartbeat, ignored)."""
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
            return last, gap.total_seconds()
        if gap <= _idle_cutoff():
            # Crossing a UTC midnight: the part before midnight stays on the old day.
            midnight = datetime.combine(_utc_day(now), datetime.min.time(), tzinfo=UTC)
            last.seconds += (midnight - last.last_seen_at).total_seconds()
            last.last_seen_at = midnight
            last.save(update_fields=["seconds", "last_seen_at"])
            session = WorkSession.objects.create(
                agent=agent,
                ticket=ticket,
                started_at=midnight,
                last_seen_at=now,
                seconds=(now - midnight).total_seconds(),
            )
            return session, gap.total_seconds()
    elif last is not None:
        return last, None  # a heartbeat older than the last one recorded (late delivery)
    session = WorkSession.objects.create(
        agent=agent, ticket=ticket, started_at=now, last_seen_at=now, seconds=0
    )
    return session, 0.0
