"""The viewer's rollup rows for dashboards, summed per period × agent × team.

Historical figures come from the rollups (metrics.services.rollups), read through their
`visible_to` (the viewer's scope): weekly rollups for whole weeks, daily ones for the rest,
the fine per-category rows only when a category or channel filter needs them.
"""

from __future__ import annotations

from datetime import UTC, date, timedelta

from django.db.models import Q, Sum
from django.utils import timezone

from ...filters import DashboardFilter
from ...models import (
    DailyAgentRollup,
    DailyRollup,
    DailyTeamRollup,
    RollupWatermark,
    WeeklyAgentRollup,
    WeeklyTeamRollup,
)
from ..summary import COUNTS, week_of, weeks_between


def rollup_rows(
    *, user, filters: DashboardFilter, per_agent: bool = True, weekly: bool = False
) -> list[dict]:
    """The visible rollup rows matching the filters, summed per day (or, weekly, per week:
    `day` is its Monday) × agent × team, as dicts.

    Without a category or channel filter they come from DailyAgentRollup (already per day ×
    agent × team × sensitivity: one query); otherwise from the fine DailyRollups (two queries:
    counts summed in SQL, then the histograms merged here). With per_agent=False (pages that
    show teams only) they come from DailyTeamRollup, with agent_id None. Each row read is
    added into its cell once; summaries over cells (summary.summarize) merge far fewer
    histograms than over the rows."""
    period = week_of if weekly else _same_day
    cells: dict[tuple, dict] = {}
    if not filters.needs_fine_rows:
        daily = DailyAgentRollup if per_agent else DailyTeamRollup
        keys: tuple[str, ...] = ("agent_id", "team_id") if per_agent else ("team_id",)
        weeks = _whole_weeks(filters) if weekly else []
        if weeks:
            model = WeeklyAgentRollup if per_agent else WeeklyTeamRollup
            qs = filters.team_queryset(model.objects.visible_to(user)).filter(week__in=weeks)
            for r in qs.order_by().values("week", *keys, *COUNTS, "frt_hist", "resolution_hist"):
                _add_into(cells, (r["week"], r.get("agent_id"), r["team_id"]), r, hists=True)
        qs = filters.team_queryset(daily.objects.visible_to(user)).filter(
            _days_outside(filters, weeks)
        )
        for r in qs.order_by().values("day", *keys, *COUNTS, "frt_hist", "resolution_hist"):
            _add_into(cells, (period(r["day"]), r.get("agent_id"), r["team_id"]), r, hists=True)
        return list(cells.values())
    qs = filters.filter_queryset(DailyRollup.objects.visible_to(user)).order_by()
    keys = ("day", "agent_id", "team_id")
    for r in qs.values(*keys).annotate(**{f: Sum(f) for f in COUNTS}):
        _add_into(cells, (period(r["day"]), r["agent_id"], r["team_id"]), r, hists=False)
    hists = qs.filter(Q(frt_count__gt=0) | Q(resolution_count__gt=0)).values_list(
        *keys, "frt_hist", "resolution_hist"
    )
    for day, agent, team, frt, res in hists:
        cell = cells[(period(day), agent, team)]
        for into, more in ((cell["frt_hist"], frt), (cell["resolution_hist"], res)):
            for k, v in (more or {}).items():
                into[k] = into.get(k, 0) + v
    return list(cells.values())


def _same_day(day):
    return day


def _whole_weeks(filters: DashboardFilter) -> list:
    """The weeks (Mondays) the filter range covers whole, so their weekly rollups hold
    exactly the range's days; the current week counts as whole when the range runs through
    today, as no rollup day lies after today (rollups count what already happened)."""
    today = timezone.now().date()
    start, end = filters.start_day, filters.end_day
    return [
        w for w in weeks_between(start, end)
        if w >= start and min(w + timedelta(days=6), today) <= end
    ]  # fmt: skip


def _days_outside(filters: DashboardFilter, weeks: list) -> Q:
    """The range's days outside these consecutive weeks: a partial week at either end."""
    start, end = filters.start_day, filters.end_day
    if not weeks:
        return Q(day__gte=start, day__lte=end)
    head = Q(day__gte=start, day__lt=weeks[0])
    tail = Q(day__gt=weeks[-1] + timedelta(days=6), day__lte=end)
    return head | tail


def _add_into(cells: dict, key: tuple, r: dict, *, hists: bool) -> None:
    """Add rollup row `r` (COUNTS, and its histograms when `hists`) into the cell `key`."""
    cell = cells.get(key)
    if cell is None:
        cells[key] = {
            **{f: r[f] for f in COUNTS},
            "day": key[0],
            "agent_id": key[1],
            "team_id": key[2],
            "frt_hist": (r["frt_hist"] or {}) if hists else {},
            "resolution_hist": (r["resolution_hist"] or {}) if hists else {},
        }
        return
    for f in COUNTS:
        cell[f] += r[f]
    if hists:
        for into, more in ((cell["frt_hist"], r["frt_hist"]), (cell["resolution_hist"], r["resolution_hist"])):  # fmt: skip
            for k, v in (more or {}).items():
                into[k] = into.get(k, 0) + v


def backfill_pending_from() -> date | None:
    """The first UTC day whose figures an unfinished rollup backfill (after an upgrade,
    metrics.services.rollup_backfill_step) has not rebuilt yet, or None."""
    value = (
        RollupWatermark.objects.filter(name=RollupWatermark.BACKFILL)
        .values_list("value", flat=True)
        .first()
    )
    return value.astimezone(UTC).date() if value else None
