"""Productive time per agent per UTC day, from teams' presence log and shifts."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta

from django.db import transaction
from django.utils import timezone

from teams.models import Agent
from teams.selectors import rotas_prefetched
from teams.selectors.presence import agent_productive_seconds

from ..models import AgentDay


@transaction.atomic
def productive_time_refresh(*, days: Iterable[date], now: datetime | None = None) -> int:
    """Recompute AgentDay rows of every agent with a team for these days. Handling time
    (workspace activity) is not recorded by tickets/ yet, so only available time counts."""
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
    rows = []
    for day in days:
        start = datetime.combine(day, datetime.min.time(), tzinfo=UTC)
        end = min(start + timedelta(days=1), now)
        if end <= start:
            continue
        for agent in agents:
            seconds = agent_productive_seconds(agent=agent, start=start, end=end)
            rows.append(
                AgentDay(
                    day=day,
                    agent_id=agent.user_id,
                    team_id=agent.team_id,
                    productive_seconds=seconds,
                    computed_at=now,
                )
            )
        AgentDay.objects.filter(day=day).delete()
    AgentDay.objects.bulk_create(rows)
    return len(rows)
