"""Productive time per agent per UTC day, from teams' presence log and shifts."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from django.db import transaction
from django.utils import timezone

from core.copy import insert_objects
from teams.models import Agent
from teams.selectors import productive_seconds_by_day, rotas_prefetched

from ..models import AgentDay

BATCH = 5000


@transaction.atomic
def productive_time_refresh(*, days: Iterable[date], now: datetime | None = None) -> int:
    """Recompute AgentDay rows of every agent with a team for these days. Handling time
    (workspace activity) is not recorded by tickets/ yet, so only available time counts.
    A year of days costs a few queries (teams.selectors.productive_seconds_by_day)."""
    now = now or timezone.now()
    days = sorted(set(days))
    if not days:
        return 0
    agents = list(
        rotas_prefetched(
            Agent.objects.filter(team__isnull=False).select_related("user"),
            since=days[0] - timedelta(days=3),
        )
    )
    seconds = productive_seconds_by_day(agents=agents, days=days, now=now)
    rows = [
        AgentDay(
            day=day,
            agent_id=agent.user_id,
            team_id=agent.team_id,
            productive_seconds=seconds[agent.pk, day],
            computed_at=now,
        )
        for day in days
        for agent in agents
        if (agent.pk, day) in seconds
    ]
    AgentDay.objects.filter(day__in=days).delete()
    insert_objects(AgentDay, rows, batch_size=BATCH)
    return len(rows)
