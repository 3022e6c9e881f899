"""Presence reads: who can take work now, and productive time."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db.models import Q, QuerySet
from django.utils import timezone

from .. import rota as rota_mod
from ..models import Agent, Presence, PresenceLog
from .rota import agent_shift_intervals


def agent_can_take_work(agent: Agent) -> bool:
    """May "get next" hand this agent a ticket? Available, active, not on leave, user active.
    Reads only the agent row (and its user, usually already loaded)."""
    return (
        agent.presence == Presence.AVAILABLE
        and agent.status == Agent.Status.ACTIVE
        and agent.user.is_active
    )


def available_agents(qs: QuerySet[Agent] | None = None) -> QuerySet[Agent]:
    """The agents (of `qs`, default all) who may take work now: the queryset form of
    agent_can_take_work."""
    qs = Agent.objects.all() if qs is None else qs
    return qs.filter(presence=Presence.AVAILABLE, status=Agent.Status.ACTIVE, user__is_active=True)


def presence_intervals(
    *, agent: Agent, start: datetime, end: datetime, statuses: Iterable[str]
) -> list[rota_mod.Interval]:
    """When the agent was in any of `statuses` within [start, end), as merged UTC intervals;
    an open stretch runs until now."""
    now = timezone.now()
    rows = PresenceLog.objects.filter(
        Q(ended_at__isnull=True) | Q(ended_at__gt=start),
        agent=agent,
        status__in=list(statuses),
        started_at__lt=end,
    ).values_list("started_at", "ended_at")
    spans = ((max(a, start), min(b or now, end)) for a, b in rows)
    return rota_mod.merge((a, b) for a, b in spans if b > a)


def agent_productive_seconds(
    *,
    agent: Agent,
    start: datetime,
    end: datetime,
    handling: Iterable[rota_mod.Interval] = (),
) -> float:
    """Seconds in [start, end) the agent was productive: available, or handling a ticket
    (`handling` spans, from tickets/), counted only inside the agent's shifts."""
    available = presence_intervals(agent=agent, start=start, end=end, statuses=[Presence.AVAILABLE])
    clipped = ((max(a, start), min(b, end)) for a, b in handling)
    worked = rota_mod.merge([*available, *((a, b) for a, b in clipped if b > a)])
    shifts = agent_shift_intervals(agent=agent, start=start, end=end)
    return rota_mod.seconds_within(worked, shifts)
