"""Weekly rollups, summed from the daily agent rollups of a week's seven days."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from django.db import connection, transaction

from core.copy import insert_objects

from ...models import DailyAgentRollup, WeeklyAgentRollup, WeeklyTeamRollup
from .days import CHUNK
from .summing import new_row, stored, summed

WEEK_LOCK = 0x6D657472  # advisory lock class of weekly_rollups_rebuild ("metr")


def weekly_rollups_rebuild(*, weeks: Iterable[date]) -> int:
    """Replace the WeeklyAgentRollup and WeeklyTeamRollup rows of these weeks (Mondays) from
    the DailyAgentRollups of their seven days. Run in the transaction that wrote those: on
    PostgreSQL a transaction lock per week makes two rebuilds of days of one week (the bench's
    two processes, a refresh beside a QA rebuild) take turns, so the second sums the first's
    days too instead of each writing a week of only its own days."""
    made = 0
    with transaction.atomic():
        for week in sorted(set(weeks)):
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SELECT pg_advisory_xact_lock(%s, %s)", [WEEK_LOCK, week.toordinal()]
                    )
            daily = DailyAgentRollup.objects.filter(
                day__gte=week, day__lt=week + timedelta(days=7)
            ).order_by()
            agents = summed(
                daily.iterator(chunk_size=CHUNK),
                lambda r: (r.agent_id, r.team_id, r.sensitivity),
                lambda k, w=week: new_row(
                    WeeklyAgentRollup, week=w, agent_id=k[0], team_id=k[1], sensitivity=k[2]
                ),
            )
            teams = summed(
                agents,
                lambda r: (r.team_id, r.sensitivity),
                lambda k, w=week: new_row(WeeklyTeamRollup, week=w, team_id=k[0], sensitivity=k[1]),
            )
            stored(agents, teams)
            WeeklyAgentRollup.objects.filter(week=week).delete()
            insert_objects(WeeklyAgentRollup, agents)
            WeeklyTeamRollup.objects.filter(week=week).delete()
            insert_objects(WeeklyTeamRollup, teams)
            made += len(agents)
    return made
