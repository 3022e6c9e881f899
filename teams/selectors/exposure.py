"""Exposure reads: counts per agent per hour, shift and week; who stepped out; caps."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db.models import Count, Q
from django.db.models.functions import TruncHour
from django.utils import timezone

from core.memo import Memo

from .. import rota as rota_mod
from ..caches import ON_SHIFT
from ..models import Agent, ExposureEntry, ExposureOptOut, Sensitivity
from .rota import rota_from_agent


def shift_window(*, agent: Agent, at: datetime | None = None) -> tuple[datetime, datetime]:
    """The shift the agent is on at `at` (merged interval), or, off shift, the agent's local
    day around `at`. "Per shift" exposure and stepping out use this window."""
    return _shift_window(agent, at or timezone.now())[0]


def _shift_window(agent: Agent, at: datetime) -> tuple[tuple[datetime, datetime], bool]:
    """(the window, whether it is a whole shift the agent is on: the same for any instant in
    it while the rota stands)."""
    r = rota_from_agent(agent)
    lo, hi = at - timedelta(days=2), at + timedelta(days=2)
    for a, b in rota_mod.intervals(r, lo, hi):
        if a <= at < b:
            return (a, b), lo < a and b < hi  # not cut short by the range read
    local = at.astimezone(r.tz)
    day = local.date()
    start = rota_mod.wall_to_utc(day, datetime.min.time(), r.tz)
    end = rota_mod.wall_to_utc(day + timedelta(days=1), datetime.min.time(), r.tz)
    return (start, end), False


# Get-next asks for the claimant's shift on every claim when their team caps exposure per
# shift. A shift found once holds for every instant inside it until a rota or agent write
# moves teams.caches.ON_SHIFT (one cache read to check), so it is kept in process memory;
# off shift (the local day) nothing is kept: a shift may begin at any moment.
_shifts: Memo[tuple[datetime, datetime]] = Memo(ON_SHIFT.version_key, size=10_000)


def current_shift_window(*, agent: Agent, at: datetime) -> tuple[datetime, datetime]:
    """shift_window, remembered while the agent is on the same shift and their rota stands."""
    held = _shifts.current()
    known = held.find(agent.pk)
    if known is not None and known[0] <= at < known[1]:
        return known
    window, whole_shift = _shift_window(agent, at)
    if whole_shift:
        held.put(agent.pk, window)
    return window


def exposure_count(*, user, start: datetime, end: datetime) -> dict[str, int]:
    """Tickets the user handled in [start, end) by sensitivity, plus "total"."""
    row = ExposureEntry.objects.filter(user=user, at__gte=start, at__lt=end).aggregate(
        sensitive=Count("pk", filter=Q(sensitivity=Sensitivity.SENSITIVE)),
        restricted=Count("pk", filter=Q(sensitivity=Sensitivity.RESTRICTED)),
    )
    return {**row, "total": row["sensitive"] + row["restricted"]}


def exposure_count_this_shift(*, agent: Agent, at: datetime | None = None) -> int:
    """The agent's own count for the shift they are on (or their local day off shift)."""
    start, end = shift_window(agent=agent, at=at)
    return exposure_count(user=agent.user_id, start=start, end=end)["total"]


def exposure_per_hour(
    *, users: Iterable[int], start: datetime, end: datetime
) -> dict[tuple[int, datetime], int]:
    """Counts per (user id, UTC hour start) in [start, end)."""
    rows = (
        ExposureEntry.objects.filter(user_id__in=list(users), at__gte=start, at__lt=end)
        .annotate(hour=TruncHour("at", tzinfo=UTC))
        .values("user_id", "hour")
        .annotate(n=Count("pk"))
    )
    return {(r["user_id"], r["hour"]): r["n"] for r in rows}


def exposure_opted_out(*, agent: Agent, at: datetime | None = None) -> bool:
    """Has the agent stepped out of sensitive work for the rest of the current shift?"""
    at = at or timezone.now()
    return ExposureOptOut.objects.filter(user_id=agent.user_id, at__lte=at, until__gt=at).exists()


def agent_may_take_sensitive(*, agent: Agent, at: datetime | None = None) -> bool:
    """May "get next" hand this agent a sensitive or restricted ticket now? Not if they
    stepped out, nor once their team's per-shift exposure cap is reached."""
    if exposure_opted_out(agent=agent, at=at):
        return False
    cap = agent.team.exposure_cap_per_shift if agent.team_id else None
    return cap is None or exposure_count_this_shift(agent=agent, at=at) < cap


@dataclass(frozen=True)
class ExposureRow:
    """One agent's exposure for the lead's view."""

    agent: Agent
    this_shift: int
    today: int
    week: int
    restricted_week: int
    opted_out_until: datetime | None


def team_exposure(*, agents: Iterable[Agent], at: datetime | None = None) -> list[ExposureRow]:
    """Per agent: this shift, the last 24 hours, the last 7 days (and how many restricted),
    and whether they stepped out now. Pass agents from the viewer's scope with their rota
    prefetched (selectors.rotas_prefetched): two queries in all."""
    at = at or timezone.now()
    agents = list(agents)
    ids = [a.user_id for a in agents]
    entries: dict[int, list[tuple[datetime, str]]] = {i: [] for i in ids}
    for user_id, when, sensitivity in ExposureEntry.objects.filter(
        user_id__in=ids, at__gte=at - timedelta(days=7), at__lte=at
    ).values_list("user_id", "at", "sensitivity"):
        entries[user_id].append((when, sensitivity))
    out_until = dict(
        ExposureOptOut.objects.filter(user_id__in=ids, at__lte=at, until__gt=at).values_list(
            "user_id", "until"
        )
    )
    rows = []
    for agent in agents:
        start, end = shift_window(agent=agent, at=at)
        mine = entries[agent.user_id]
        rows.append(
            ExposureRow(
                agent=agent,
                this_shift=sum(1 for w, _ in mine if start <= w < end),
                today=sum(1 for w, _ in mine if w >= at - timedelta(days=1)),
                week=len(mine),
                restricted_week=sum(1 for _, s in mine if s == Sensitivity.RESTRICTED),
                opted_out_until=out_until.get(agent.user_id),
            )
        )
    return rows


def opt_outs_on(*, agents: Iterable[Agent], day) -> list[ExposureOptOut]:
    """Who stepped out on local date `day` (the per-day flag leads see)."""
    return list(
        ExposureOptOut.objects.filter(user_id__in=[a.user_id for a in agents], day=day)
        .select_related("user")
        .order_by("at")
    )
