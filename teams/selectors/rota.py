"""Reads on the rota: who is on shift when, built from teams.shifts' pure functions."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.core.cache import cache
from django.db.models import Prefetch
from django.utils import timezone

from core.memo import Memo

from .. import shifts as rota_mod
from ..caches import ON_SHIFT
from ..models import Agent, ShiftException, Team, TimeOff


def _with_rota(qs, since: date | None = None):
    """Prefetch what a Rota needs; exceptions and time off only from `since` (default 3 days
    ago: a shift can run two local days past its start date)."""
    since = since or timezone.now().date() - timedelta(days=3)
    return qs.prefetch_related(
        "shift_templates",
        Prefetch("shift_exceptions", queryset=ShiftException.objects.filter(date__gte=since)),
        Prefetch("time_off", queryset=TimeOff.objects.filter(end_date__gte=since)),
    )


def rota_from_agent(agent: Agent) -> rota_mod.Rota:
    """The agent's rota as plain data (uses prefetched rows when present)."""
    return rota_mod.Rota(
        time_zone=agent.time_zone or "UTC",
        weekly=tuple(
            rota_mod.WeeklyShift(t.weekday, t.start, t.end) for t in agent.shift_templates.all()
        ),
        dated=tuple(
            rota_mod.DatedShift(e.date, e.start, e.end, e.kind == ShiftException.Kind.CHANGED)
            for e in agent.shift_exceptions.all()
        ),
        days_off=tuple((o.start_date, o.end_date) for o in agent.time_off.all()),
    )


def agent_shift_intervals(*, agent: Agent, start: datetime, end: datetime):
    """The agent's on-shift time in [start, end) as merged UTC intervals."""
    return rota_mod.intervals(rota_from_agent(agent), start, end)


def agent_on_shift(*, agent: Agent, at: datetime | None = None) -> bool:
    """Is the agent on shift at `at` (default now)?"""
    return rota_mod.on_shift(rota_from_agent(agent), at or timezone.now())


def agents_on_shift(*, agents: Iterable[Agent], at: datetime | None = None) -> set[int]:
    """Ids of the given agents (ideally from `rotas_prefetched`) on shift at `at`."""
    at = at or timezone.now()
    return {a.pk for a in agents if rota_mod.on_shift(rota_from_agent(a), at)}


def rotas_prefetched(qs, *, since: date | None = None):
    """An Agent queryset with the rota rows prefetched (3 extra queries in all); pass `since`
    (a date three days before the earliest instant you ask about) for ranges in the past."""
    return _with_rota(qs, since)


@dataclass(frozen=True)
class HourCoverage:
    """One hour of a team's rota: when it starts (UTC), agents on shift at any moment of the
    hour, and staffed hours (the sum of each agent's on-shift fraction of that hour)."""

    start: datetime
    agents: int
    staffed_hours: float


def team_on_shift_per_hour(
    *, team: Team, start: datetime | None = None, hours: int = 168
) -> list[HourCoverage]:
    """Agents on shift per hour for `team`, from the start of the current hour in the team's
    time zone (or `start`) for `hours` hours (default the next 7 days). Active members only.
    metrics/ sets this beside ticket arrivals for the coverage view."""
    if start is None:
        local = timezone.now().astimezone(rota_mod.Rota(team.time_zone).tz)
        start = local.replace(minute=0, second=0, microsecond=0)
    return teams_on_shift_per_hour(teams=[team], start=start, hours=hours)[team.pk]


def teams_on_shift_per_hour(
    *, teams: Iterable[Team], start: datetime, hours: int = 168
) -> dict[int, list[HourCoverage]]:
    """team_on_shift_per_hour for several teams from `start`, in a constant number of queries
    (the active members of all of them with their rotas prefetched: four queries)."""
    by_team: dict[int, list[Agent]] = {t.pk: [] for t in teams}
    members = _with_rota(
        Agent.objects.filter(team_id__in=list(by_team), status=Agent.Status.ACTIVE),
        start.date() - timedelta(days=3),
    )
    for agent in members:
        by_team[agent.team_id].append(agent)
    return {
        team_id: [
            HourCoverage(s, n, staffed)
            for s, n, staffed in rota_mod.hourly_counts(
                [rota_from_agent(a) for a in agents], start, hours
            )
        ]
        for team_id, agents in by_team.items()
    }


@dataclass(frozen=True)
class WeekRow:
    """One agent's week in the viewer's time zone: per local day, the on-shift pieces."""

    agent: Agent
    days: list[list[tuple[datetime, datetime]]]


def week_start_for(day: date) -> date:
    return day - timedelta(days=day.weekday())


def team_week_grid(*, agents: Iterable[Agent], monday: date, tz) -> list[WeekRow]:
    """Who works when in the week starting `monday` (a date in `tz`, the viewer's zone);
    shifts crossing the viewer's midnight show as two pieces. Agents should be prefetched
    (rotas_prefetched with since=monday - 3 days)."""
    bounds = [rota_mod.wall_to_utc(monday + timedelta(days=i), time(0), tz) for i in range(8)]
    rows = []
    for agent in agents:
        spans = rota_mod.intervals(rota_from_agent(agent), bounds[0], bounds[7])
        days: list[list[tuple[datetime, datetime]]] = [[] for _ in range(7)]
        for i in range(7):
            for a, b in spans:
                lo, hi = max(a, bounds[i]), min(b, bounds[i + 1])
                if hi > lo:
                    days[i].append((lo.astimezone(tz), hi.astimezone(tz)))
        rows.append(WeekRow(agent=agent, days=days))
    return rows


def coverage_by_local_day(rows: list[HourCoverage], tz) -> list[tuple[date, list[int | None]]]:
    """Hourly coverage laid out as local days × 24 local hours in `tz` (None: not in range)."""
    out: dict[date, list[int | None]] = {}
    for row in rows:
        local = row.start.astimezone(tz)
        cells = out.setdefault(local.date(), [None] * 24)
        if cells[local.hour] is None:
            cells[local.hour] = row.agents
    return sorted(out.items())


# Who is on shift, per team, for routing decisions ------------------------------------------
#
# Routing asks "has this team anyone on shift now?" for every new ticket; building every
# member's rota each time cost most of a routing decision. The answer is kept as each team's
# merged on-shift intervals within one UTC hour, so any instant of that hour is answered
# exactly (to the microsecond, whatever the shift's seconds): in the shared cache and in
# process memory, both under the version of teams.caches.ON_SHIFT, which every write that can
# change the answer moves (shifts, exceptions, time off, an agent's team, status or time zone).

_ON_SHIFT_TTL = 2 * 3600
_on_shift: Memo[list[rota_mod.Interval]] = Memo(ON_SHIFT.version_key, size=10_000)


def _team_spans_in_hour(team_ids: list[int], hour: datetime) -> dict[int, list[rota_mod.Interval]]:
    by_team: dict[int, list[rota_mod.Interval]] = {t: [] for t in team_ids}
    members = _with_rota(
        Agent.objects.filter(team_id__in=team_ids, status=Agent.Status.ACTIVE),
        hour.date() - timedelta(days=3),
    )
    end = hour + timedelta(hours=1)
    for agent in members:
        by_team[agent.team_id] += rota_mod.intervals(rota_from_agent(agent), hour, end)
    return {t: rota_mod.merge(spans) for t, spans in by_team.items()}


def teams_on_shift(*, team_ids: Iterable[int], at: datetime | None = None) -> set[int]:
    """Which of `team_ids` have at least one active member on shift at `at` (default now).
    Cached per team and UTC hour; a cold team costs four queries, a warm one none, and one
    this process already read costs no more than the version check (one cache read)."""
    at = (at or timezone.now()).astimezone(UTC)
    hour = at.replace(minute=0, second=0, microsecond=0)
    held = _on_shift.current()
    keys = {t: ON_SHIFT.key(t, f"{hour:%Y%m%d%H}", version=held.version) for t in team_ids}
    spans = {t: s for t, k in keys.items() if (s := held.find(k)) is not None}
    if len(spans) < len(keys):
        shared = cache.get_many([k for t, k in keys.items() if t not in spans])
        spans.update({t: shared[k] for t, k in keys.items() if k in shared})
        missing = [t for t in keys if t not in spans]
        if missing:
            fresh = _team_spans_in_hour(missing, hour)
            cache.set_many({keys[t]: s for t, s in fresh.items()}, _ON_SHIFT_TTL)
            spans.update(fresh)
        for t, s in spans.items():
            held.put(keys[t], s)
    return {t for t, s in spans.items() if any(a <= at < b for a, b in s)}
