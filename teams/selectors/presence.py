"""Presence reads: who can take work now, and productive time."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from .. import shifts as rota_mod
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


def presence_intervals_by_agent(
    *, agents: Iterable[Agent], start: datetime, end: datetime, statuses: Iterable[str]
) -> dict[int, list[rota_mod.Interval]]:
    """`presence_intervals` for many agents in one query: agent id -> merged UTC intervals
    within [start, end) (for refreshing a long range of days at once)."""
    now = timezone.now()
    ids = [a.pk for a in agents]
    rows = (
        PresenceLog.objects.filter(
            Q(ended_at__isnull=True) | Q(ended_at__gt=start),
            agent_id__in=ids,
            status__in=list(statuses),
            started_at__lt=end,
        )
        .order_by()
        .values_list("agent_id", "started_at", "ended_at")
    )
    spans: dict[int, list[rota_mod.Interval]] = {pk: [] for pk in ids}
    for agent_id, a, b in rows.iterator(chunk_size=5000):
        a, b = max(a, start), min(b or now, end)
        if b > a:
            spans[agent_id].append((a, b))
    return {pk: rota_mod.merge(s) for pk, s in spans.items()}


def agent_productive_seconds(
    *,
    agent: Agent,
    start: datetime,
    end: datetime,
    handling: Iterable[rota_mod.Interval] = (),
    available: Iterable[rota_mod.Interval] | None = None,
) -> float:
    """Seconds in [start, end) the agent was productive: available, or handling a ticket
    (`handling` spans, from tickets/), counted only inside the agent's shifts. `available`
    spans (from presence_intervals_by_agent) save the presence query; they are clipped here."""
    if available is None:
        available = presence_intervals(
            agent=agent, start=start, end=end, statuses=[Presence.AVAILABLE]
        )
    else:
        available = [(max(a, start), min(b, end)) for a, b in available if a < end and b > start]
    clipped = ((max(a, start), min(b, end)) for a, b in handling)
    worked = rota_mod.merge([*available, *((a, b) for a, b in clipped if b > a)])
    shifts = agent_shift_intervals(agent=agent, start=start, end=end)
    return rota_mod.seconds_within(worked, shifts)


def _midnight(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=UTC)


def _by_day(spans: Iterable[rota_mod.Interval], days: set[date]) -> dict[date, list]:
    """UTC intervals grouped by each UTC day of `days` they touch (unclipped)."""
    out: dict[date, list] = defaultdict(list)
    for a, b in spans:
        day = a.astimezone(UTC).date()
        while _midnight(day) < b:
            if day in days:
                out[day].append((a, b))
            day += timedelta(days=1)
    return out


def productive_seconds_by_day(
    *, agents: Iterable[Agent], days: Iterable[date], now: datetime | None = None
) -> dict[tuple[int, date], float]:
    """agent_productive_seconds (no handling spans) of each agent on each UTC day, up to
    `now`: {(agent id, day): seconds}. One presence query for all of them, and each agent's
    shifts computed once over the whole range, so a year of days is as cheap as a few.
    Agents should come from `rotas_prefetched`."""
    now = now or timezone.now()
    days = sorted(set(days))
    if not days:
        return {}
    agents = list(agents)
    start = _midnight(days[0])
    end = min(_midnight(days[-1]) + timedelta(days=1), now)
    out: dict[tuple[int, date], float] = {}
    if end <= start:
        return out
    wanted = set(days)
    available = presence_intervals_by_agent(
        agents=agents, start=start, end=end, statuses=[Presence.AVAILABLE]
    )
    for agent in agents:
        spans = _by_day(available[agent.pk], wanted)
        shifts = _by_day(agent_shift_intervals(agent=agent, start=start, end=end), wanted)
        for day in days:
            lo = _midnight(day)
            hi = min(lo + timedelta(days=1), now)
            if hi <= lo:
                continue
            clip = [(max(a, lo), min(b, hi)) for a, b in spans.get(day, ())]
            windows = [(max(a, lo), min(b, hi)) for a, b in shifts.get(day, ())]
            out[agent.pk, day] = rota_mod.seconds_within(
                [(a, b) for a, b in clip if b > a], [(a, b) for a, b in windows if b > a]
            )
    return out
