"""Productive hours per agent over a range, and why there are none where there are none."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from django.db.models import Count, Q, Sum

from teams.models import PresenceLog

from ...models import AgentDay

NO_PRESENCE = (
    "Not available: no presence recorded in this range (the agent never set a status such as "
    "available or away), so no productive time to divide by."
)
NOT_COMPUTED = (
    "Not available yet: presence is recorded but productive time for these days is not "
    "computed (the hourly task covers yesterday and today; `manage.py rollup_backfill` "
    "computes earlier days)."
)
NO_SHIFT_TIME = (
    "Not available: no productive time in this range (never available during a shift of "
    "the rota), so nothing to divide by."
)


def productive_hours(
    *, agent_ids: list[int], start: date, end: date
) -> dict[int, tuple[float | None, str]]:
    """{agent user id: (productive hours or None, why there are none)} for UTC days
    start..end, from AgentDay (metrics.services.productive_time_refresh) and the presence
    log (teams), in two queries."""
    days = {
        agent: (seconds, n)
        for agent, seconds, n in AgentDay.objects.filter(
            agent_id__in=agent_ids, day__gte=start, day__lte=end
        )
        .order_by()
        .values_list("agent_id")
        .annotate(s=Sum("productive_seconds"), n=Count("pk"))
    }
    lo = datetime.combine(start, time.min, tzinfo=UTC)
    hi = datetime.combine(end + timedelta(days=1), time.min, tzinfo=UTC)
    present = set(
        PresenceLog.objects.filter(
            Q(ended_at__isnull=True) | Q(ended_at__gt=lo),
            agent__user_id__in=agent_ids,
            started_at__lt=hi,
        )
        .order_by()
        .values_list("agent__user_id", flat=True)
        .distinct()
    )
    out: dict[int, tuple[float | None, str]] = {}
    for agent in agent_ids:
        seconds, n = days.get(agent, (0.0, 0))
        if seconds:
            out[agent] = (seconds / 3600, "")
        elif agent not in present:
            out[agent] = (None, NO_PRESENCE)
        elif not n:
            out[agent] = (None, NOT_COMPUTED)
        else:
            out[agent] = (None, NO_SHIFT_TIME)
    return out
