"""The coverage view: per team, agents on shift per hour for the next 7 days beside the
tickets that arrived in the same weekday-hour over the last 4 weeks.

Hours are the viewer's local hours. An hour is under-staffed (definition "coverage") when the
expected arrivals exceed what the staffed hours can absorb at the team's recent pace:

    expected = tickets created in the same local weekday-hour over the last 4 weeks / 4
    capacity = staffed hours in that hour × the team's solved per productive hour (last 4 weeks)
    under-staffed: expected > capacity

A team with no productive hours recorded in the last 4 weeks has no pace; then only hours with
at least one expected ticket and nobody on shift are flagged.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Sum
from django.db.models.functions import TruncHour
from django.utils import timezone

from teams.models import Team
from teams.selectors import teams_on_shift_per_hour
from tickets.models import Ticket

from ..models import AgentDay, DailyRollup
from .dashboards.charts import chart

WEEKS = 4
HOURS = 168


@dataclass(frozen=True)
class CoverageHour:
    """One local hour of one team: who is on shift, what usually arrives, and the verdict."""

    start: datetime  # in the viewer's zone
    agents: int
    staffed_hours: float
    expected: float
    capacity: float | None
    under_staffed: bool


def _pace(team_ids: list[int], since, until) -> dict[int, float]:
    """Solved per productive hour per team over [since, until] (UTC days), from rollups and
    AgentDay (two queries). Teams without productive hours are left out."""
    solved = dict(
        DailyRollup.objects.filter(team_id__in=team_ids, day__gte=since, day__lte=until)
        .order_by()
        .values_list("team_id")
        .annotate(n=Sum("solved"))
    )
    seconds = dict(
        AgentDay.objects.filter(team_id__in=team_ids, day__gte=since, day__lte=until)
        .order_by()
        .values_list("team_id")
        .annotate(s=Sum("productive_seconds"))
    )
    return {t: (solved.get(t) or 0) / (s / 3600) for t, s in seconds.items() if s and s > 0}


def _arrivals(*, user, team_ids: list[int], start: datetime, tz) -> dict[tuple, int]:
    """Tickets created in the 4 weeks before `start` per (team, local weekday, local hour)."""
    rows = (
        Ticket.objects.visible_to(user)
        .filter(team_id__in=team_ids, created_at__gte=start - timedelta(weeks=WEEKS))
        .filter(created_at__lt=start)
        .annotate(hour=TruncHour("created_at", tzinfo=tz))
        .order_by()
        .values_list("team_id", "hour")
        .annotate(n=Count("pk"))
    )
    out: dict[tuple, int] = {}
    for team_id, hour, n in rows:
        local = timezone.localtime(hour, tz) if timezone.is_aware(hour) else hour
        key = (team_id, local.weekday(), local.hour)
        out[key] = out.get(key, 0) + n
    return out


def is_under_staffed(*, expected: float, staffed_hours: float, pace: float | None) -> bool:
    """The rule in the module docstring (and on the definitions page)."""
    if pace is None:
        return staffed_hours == 0 and expected >= 1
    return expected > staffed_hours * pace


def team_coverage(*, user, teams: list[Team], now: datetime | None = None) -> list[dict]:
    """Per team: the next 168 local hours from the start of the current hour, with arrivals,
    capacity and under-staffed flags, laid out as local days × 24 hours plus a chart."""
    tz = timezone.get_current_timezone()
    now = now or timezone.now()
    start = timezone.localtime(now, tz).replace(minute=0, second=0, microsecond=0)
    team_ids = [t.pk for t in teams]
    arrivals = _arrivals(user=user, team_ids=team_ids, start=start, tz=tz)
    today = now.date()
    pace = _pace(team_ids, today - timedelta(weeks=WEEKS), today - timedelta(days=1))
    rota = teams_on_shift_per_hour(teams=teams, start=start, hours=HOURS)
    out = []
    for team in teams:
        team_pace = pace.get(team.pk)
        hours = []
        for row in rota[team.pk]:
            local = timezone.localtime(row.start, tz)
            expected = arrivals.get((team.pk, local.weekday(), local.hour), 0) / WEEKS
            hours.append(
                CoverageHour(
                    start=local,
                    agents=row.agents,
                    staffed_hours=row.staffed_hours,
                    expected=round(expected, 2),
                    capacity=round(row.staffed_hours * team_pace, 2) if team_pace else None,
                    under_staffed=is_under_staffed(
                        expected=expected, staffed_hours=row.staffed_hours, pace=team_pace
                    ),
                )
            )
        out.append(
            {
                "team": team,
                "pace": team_pace,
                "days": _by_local_day(hours),
                "under_staffed": sum(h.under_staffed for h in hours),
                "chart": chart(
                    f"coverage_{team.pk}",
                    f"{team.name}: on shift and expected arrivals per hour",
                    "line",
                    [h.start.isoformat() for h in hours],
                    [
                        ("Agents on shift", [h.agents for h in hours]),
                        ("Staffed hours", [h.staffed_hours for h in hours]),
                        ("Expected tickets (4-week mean)", [h.expected for h in hours]),
                        ("Capacity (tickets)", [h.capacity for h in hours]),
                        ("Under-staffed", [int(h.under_staffed) for h in hours]),
                    ],
                ),
            }
        )
    return out


def _by_local_day(hours: list[CoverageHour]) -> list[tuple]:
    """(local date, 24 cells of CoverageHour or None) in date order."""
    days: dict = {}
    for h in hours:
        cells = days.setdefault(h.start.date(), [None] * 24)
        if cells[h.start.hour] is None:
            cells[h.start.hour] = h
    return sorted(days.items())
