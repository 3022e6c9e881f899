"""The viewer's rollup rows for dashboards, summed per period × agent × team.

Historical figures come from the rollups (metrics.services.rollups), read through their
`visible_to` (the viewer's scope): weekly rollups for whole weeks, daily ones for the rest,
the fine per-category rows only when a category or channel filter needs them.
"""

from __future__ import annotations

from datetime import UTC, date, timedelta

from django.db.models import Q, Sum
from django.utils import timezone

from ... import sketch
from ...filters import DashboardFilter
from ...models import (
    DailyAgentRollup,
    DailyRollup,
    DailyTeamRollup,
    RollupWatermark,
    TicketMetric,
    WeeklyAgentRollup,
    WeeklyTeamRollup,
)
from ..summary import COUNTS, week_of, weeks_between

# Up to this many durations (first replies + resolutions) behind a page, its percentiles are
# exact: the TicketMetric rows are read one by one, at about 4 µs a row on PostgreSQL (so
# about 8 ms at most, under a tenth of a dashboard's 100 ms budget). Past it the rollups'
# sketches (within 1 %) are merged instead, whose cost follows the rows, not the tickets; and
# at a few thousand values the sampling error of a median is already over 1 %.
EXACT_MAX = 2_000


def rollup_rows(
    *, user, filters: DashboardFilter, per_agent: bool = True, weekly: bool = False
) -> list[dict]:
    """The visible rollup rows matching the filters, summed per day (or, weekly, per week:
    `day` is its Monday) × agent × team, as dicts.

    Without a category or channel filter they come from DailyAgentRollup (already per day ×
    agent × team × sensitivity: one query); otherwise from the fine DailyRollups (two queries:
    counts summed in SQL, then the sketches merged here). With per_agent=False (pages that
    show teams only) they come from DailyTeamRollup, with agent_id None. Each row read is
    added into its cell once; summaries over cells (summary.summarize) merge far fewer
    sketches than over the rows. When at most EXACT_MAX durations lie behind the cells, their
    sketches are replaced by the exact values (one more query), so percentiles are exact."""
    period = week_of if weekly else _same_day
    cells: dict[tuple, dict] = {}
    if not filters.needs_fine_rows:
        daily = DailyAgentRollup if per_agent else DailyTeamRollup
        keys: tuple[str, ...] = ("agent_id", "team_id") if per_agent else ("team_id",)
        weeks = _whole_weeks(filters) if weekly else []
        if weeks:
            model = WeeklyAgentRollup if per_agent else WeeklyTeamRollup
            qs = filters.team_queryset(model.objects.visible_to(user)).filter(week__in=weeks)
            for r in qs.order_by().values(
                "week", *keys, *COUNTS, "frt_sketch", "resolution_sketch"
            ):
                _add_into(cells, (r["week"], r.get("agent_id"), r["team_id"]), r, sketches=True)
        qs = filters.team_queryset(daily.objects.visible_to(user)).filter(
            _days_outside(filters, weeks)
        )
        for r in qs.order_by().values("day", *keys, *COUNTS, "frt_sketch", "resolution_sketch"):
            _add_into(cells, (period(r["day"]), r.get("agent_id"), r["team_id"]), r, sketches=True)
        if _exact_enough(cells):
            return _with_exact_values(
                cells, user=user, filters=filters, per_agent=per_agent, period=period
            )
        return list(cells.values())
    qs = filters.filter_queryset(DailyRollup.objects.visible_to(user)).order_by()
    keys = ("day", "agent_id", "team_id")
    for r in qs.values(*keys).annotate(**{f: Sum(f) for f in COUNTS}):
        _add_into(cells, (period(r["day"]), r["agent_id"], r["team_id"]), r, sketches=False)
    if _exact_enough(cells):
        return _with_exact_values(cells, user=user, filters=filters, per_agent=True, period=period)
    sketches = qs.filter(Q(frt_count__gt=0) | Q(resolution_count__gt=0)).values_list(
        *keys, "frt_sketch", "resolution_sketch"
    )
    for day, agent, team, frt, res in sketches:
        cell = cells[(period(day), agent, team)]
        sketch.merge_into(cell["frt_sketch"], frt)
        sketch.merge_into(cell["resolution_sketch"], res)
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


def _add_into(cells: dict, key: tuple, r: dict, *, sketches: bool) -> None:
    """Add rollup row `r` (COUNTS, and its sketches when `sketches`) into the cell `key`."""
    cell = cells.get(key)
    if cell is None:
        cells[key] = {
            **{f: r[f] for f in COUNTS},
            "day": key[0],
            "agent_id": key[1],
            "team_id": key[2],
            "frt_sketch": sketch.load(r["frt_sketch"]) if sketches else sketch.Sketch(),
            "resolution_sketch": (
                sketch.load(r["resolution_sketch"]) if sketches else sketch.Sketch()
            ),
        }
        return
    for f in COUNTS:
        cell[f] += r[f]
    if sketches:
        sketch.merge_into(cell["frt_sketch"], r["frt_sketch"])
        sketch.merge_into(cell["resolution_sketch"], r["resolution_sketch"])


def _exact_enough(cells: dict) -> bool:
    """Few enough durations behind the page to read them one by one (EXACT_MAX)."""
    n = sum(c["frt_count"] + c["resolution_count"] for c in cells.values())
    return 0 < n <= EXACT_MAX


def _with_exact_values(cells: dict, *, user, filters: DashboardFilter, per_agent: bool, period):
    """The cells with their sketches replaced by the exact durations behind them: first
    replies on their first-reply day and full resolutions on their solve day, from the
    tickets' TicketMetric rows (the values the rollups were summed from), in one query."""
    for cell in cells.values():
        cell["frt_sketch"], cell["resolution_sketch"] = sketch.Values(), sketch.Values()
    start, end = filters.start_day, filters.end_day
    metrics = (
        filters.dimension_queryset(TicketMetric.objects.visible_to(user))
        .filter(
            Q(first_reply_day__gte=start, first_reply_day__lte=end)
            | Q(solved_day__gte=start, solved_day__lte=end)
        )
        .order_by()
        .values_list(
            "agent_id", "team_id", "first_reply_day", "first_reply_minutes", "solved_day",
            "full_resolution_minutes",
        )
    )  # fmt: skip
    for agent, team, reply_day, frt, solved_day, resolution in metrics:
        agent = agent if per_agent else None
        if frt is not None and reply_day is not None and start <= reply_day <= end:
            _cell(cells, (period(reply_day), agent, team))["frt_sketch"].append(frt)
        if resolution is not None and solved_day is not None and start <= solved_day <= end:
            _cell(cells, (period(solved_day), agent, team))["resolution_sketch"].append(resolution)
    return list(cells.values())


def _cell(cells: dict, key: tuple) -> dict:
    """The cell `key`, made empty if the rollups have none (a ticket recomputed since)."""
    cell = cells.get(key)
    if cell is None:
        cell = cells[key] = {
            **dict.fromkeys(COUNTS, 0), "day": key[0], "agent_id": key[1], "team_id": key[2],
            "frt_sketch": sketch.Values(), "resolution_sketch": sketch.Values(),
        }  # fmt: skip
    return cell


def backfill_pending_from() -> date | None:
    """The first UTC day whose figures an unfinished rollup backfill (after an upgrade,
    metrics.services.rollup_backfill_step) has not rebuilt yet, or None."""
    value = (
        RollupWatermark.objects.filter(name=RollupWatermark.BACKFILL)
        .values_list("value", flat=True)
        .first()
    )
    return value.astimezone(UTC).date() if value else None
