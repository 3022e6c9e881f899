"""What the lead, manager and associate dashboards read, in a fixed number of queries.

Historical figures come from DailyRollups (metrics.services.rollups); live figures (backlog,
at risk, breached, open load, today so far) come straight from tickets. Everything starts
from the viewer's scope: DailyRollup.objects.visible_to / Ticket.objects.visible_to.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from django.db.models import Case, Count, Q, Sum, Value, When
from django.utils import timezone

from teams.models import Role, Team
from teams.permissions import agents_visible_to, scope_for
from tickets.filters import DUE_SOON
from tickets.models import Ticket

from ..filters import DashboardFilter
from ..links import day_range, tickets_url, with_param
from ..models import (
    AgentDay,
    DailyAgentRollup,
    DailyRollup,
    DailyTeamRollup,
    RollupWatermark,
    WeeklyAgentRollup,
    WeeklyTeamRollup,
)
from ..services.rollups import BACKFILL as BACKFILL_WATERMARK
from .alerts import volume_spikes, with_filings
from .breakdowns import sla_by_policy
from .summary import COUNTS, combined_by, group, medians, summarize, week_of, weeks_between

AGE_BUCKETS = (  # label, age at least (hours), age under (hours): [lo, hi) like the tickets list
    ("under 4 h", 0, 4),
    ("4–24 h", 4, 24),
    ("1–3 days", 24, 72),
    ("3–7 days", 72, 168),
    ("over 7 days", 168, None),
)
AT_RISK = DUE_SOON  # the tickets list's "due within an hour" (sla=due_soon)


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
        keys = ("agent_id", "team_id") if per_agent else ("team_id",)
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


def team_backlog(user):
    """Unsolved tickets of the teams in the viewer's scope, within their clearance: the
    visible tickets without "assigned to me in another team", so the count is read from the
    ticket_backlog index alone instead of every ticket row."""
    scope = scope_for(user)
    qs = Ticket.objects.unsolved()
    if scope.role is None:
        return qs.none()
    if not scope.every_sensitivity:
        qs = qs.filter(category__sensitivity__in=scope.sensitivities)
    if not scope.all_teams:
        qs = qs.filter(team_id__in=sorted(scope.team_ids))
    return qs


def live_queue(*, user, filters: DashboardFilter, now: datetime) -> dict:
    """Backlog by status × age bucket, at risk and breached now (one query grouped by status
    and bucket, so each ticket is tested against each bucket's bounds once), with links."""
    bucket = Case(
        *[
            When(created_at__gte=now - timedelta(hours=hi), then=Value(i))
            for i, (_label, _lo, hi) in enumerate(AGE_BUCKETS)
            if hi is not None
        ],
        default=Value(len(AGE_BUCKETS) - 1),
    )
    rows = (
        team_backlog(user)
        .filter(filters.ticket_q())
        .annotate(age_bucket=bucket)
        .order_by()
        .values_list("status", "age_bucket")
        .annotate(
            n=Count("status"),
            breached=Count("status", filter=Q(due_at__lt=now)),
            at_risk=Count("status", filter=Q(due_at__gte=now, due_at__lt=now + AT_RISK)),
            unassigned=Count("status", filter=Q(assignee__isnull=True)),
        )
    )
    counts: dict[tuple, int] = {}
    got = dict.fromkeys(("total", "breached", "at_risk", "unassigned"), 0)
    for status, i, n, breached, at_risk, unassigned in rows:
        counts[(status, i)] = n
        for name, value in (("total", n), ("breached", breached), ("at_risk", at_risk),
                            ("unassigned", unassigned)):  # fmt: skip
            got[name] += value
    base = filters.ticket_params()
    grid = {s: [] for s in Ticket.UNSOLVED}
    for status in Ticket.UNSOLVED:
        for i, (_label, lo, hi) in enumerate(AGE_BUCKETS):
            params = {"status": status}
            if lo:
                params["created_before"] = now - timedelta(hours=lo)
            if hi:
                params["created_after"] = now - timedelta(hours=hi)
            grid[status].append(
                {"n": counts.get((status, i), 0), "url": tickets_url(base, **params)}
            )
    return {
        "buckets": [b[0] for b in AGE_BUCKETS],
        "rows": [
            {
                "status": Ticket.Status(s).label,
                "cells": grid[s],
                "total": sum(c["n"] for c in grid[s]),
            }
            for s in Ticket.UNSOLVED
        ],
        "total": {"n": got["total"], "url": tickets_url(base, status=list(Ticket.UNSOLVED))},
        "breached": {"n": got["breached"], "url": tickets_url(base, sla="breached")},
        "at_risk": {"n": got["at_risk"], "url": tickets_url(base, sla="due_soon")},
        "unassigned": {
            "n": got["unassigned"],
            "url": tickets_url(base, status=list(Ticket.UNSOLVED), assignee="none"),
        },
    }


def today_vs_last_weeks(*, user, filters: DashboardFilter, now: datetime) -> list[dict]:
    """Created and solved today so far vs the same weekday, same time, in the last 4 weeks
    (viewer's day), in one query."""
    local = timezone.localtime(now)
    day_start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    qs = Ticket.objects.visible_to(user, teams_as_subquery=True).filter(filters.ticket_q())
    aggs, windows, touched = {}, [], Q()
    for k in range(5):
        lo, hi = day_start - timedelta(weeks=k), local - timedelta(weeks=k)
        windows.append((k, lo, hi))
        created = Q(created_at__gte=lo, created_at__lt=hi)
        solved = Q(status__in=Ticket.DONE, solved_at__gte=lo, solved_at__lt=hi)
        aggs[f"created_{k}"] = Count("pk", filter=created)
        aggs[f"solved_{k}"] = Count("pk", filter=solved)
        touched |= created | solved  # (status, solved_at) and created_at indexes
    got = qs.filter(touched).aggregate(**aggs)  # only the windows' rows, read by index
    base = filters.ticket_params()
    out = []
    for k, lo, hi in windows:
        out.append(
            {
                "label": "Today" if k == 0 else f"{k} week{'s' if k > 1 else ''} ago",
                "day": lo.date(),
                "created": got[f"created_{k}"],
                "created_url": tickets_url(base, created_after=lo, created_before=hi),
                "solved": got[f"solved_{k}"],
                "solved_url": tickets_url(
                    base, status=list(Ticket.DONE), solved_after=lo, solved_before=hi
                ),
            }
        )
    past = [row["created"] for row in out[1:]]
    out[0]["created_vs_avg"] = (out[0]["created"] / (sum(past) / 4)) - 1 if sum(past) else None
    return out


def weekly_trends(*, rows: list[dict], filters: DashboardFilter) -> dict:
    """Charts of the weekly figures over the filter range (8 weeks by default)."""
    weeks = weeks_between(filters.start_day, filters.end_day)
    by_week = group(rows, lambda r: week_of(r["day"]))
    labels = [w.isoformat() for w in weeks]
    s = [by_week.get(w, summarize([])) for w in weeks]

    def pct(v):
        return round(v * 100, 1) if v is not None else None

    def mins(v):
        return round(v, 1) if v is not None else None

    return {
        "volume": chart(
            "volume",
            "Created and solved per week",
            "bar",
            labels,
            [("Created", [x["created"] for x in s]), ("Solved", [x["solved"] for x in s])],
        ),
        "frt": chart(
            "frt",
            "First reply time per week (minutes)",
            "line",
            labels,
            [("p50", [mins(x["frt_p50"]) for x in s]), ("p90", [mins(x["frt_p90"]) for x in s])],
        ),
        "rates": chart(
            "rates",
            "Rates per week (%)",
            "line",
            labels,
            [
                ("Reopen rate", [pct(x["reopen_rate"]) for x in s]),
                ("One-touch rate", [pct(x["one_touch_rate"]) for x in s]),
                ("SLA achieved", [pct(x["sla_rate"]) for x in s]),
            ],
        ),
    }


def chart(chart_id: str, title: str, kind: str, labels: list, series: list[tuple]) -> dict:
    """A chart's data: what the page's JSON, the canvas and the CSV download all read."""
    return {
        "id": chart_id,
        "title": title,
        "type": kind,
        "labels": labels,
        "datasets": [{"label": name, "data": data} for name, data in series],
    }


def per_associate(*, user, filters: DashboardFilter, rows: list[dict], team_ids) -> list[dict]:
    """One row per associate of the teams: solved, FRT p50, reopen rate (from rollups) and open
    load now (one query each for people and load)."""
    agents = list(
        agents_visible_to(user)
        .filter(team_id__in=team_ids, role=Role.ASSOCIATE)
        .order_by("user__first_name", "user__last_name", "pk")
    )
    by_agent = group(rows, lambda r: r["agent_id"])
    load = dict(
        team_backlog(user)
        .filter(filters.ticket_q())
        .filter(assignee_id__in=[a.user_id for a in agents])
        .order_by()
        .values_list("assignee_id")
        .annotate(n=Count("status"))
    )
    hours = {
        agent: seconds / 3600
        for agent, seconds in AgentDay.objects.filter(
            agent_id__in=[a.user_id for a in agents],
            day__gte=filters.start_day,
            day__lte=filters.end_day,
        )
        .order_by()
        .values_list("agent_id")
        .annotate(s=Sum("productive_seconds"))
    }
    base, empty = filters.ticket_params(), summarize([])
    solved_range = day_range(filters.start_day, filters.end_day, "solved")
    done = list(Ticket.DONE)
    # Each link is one of five shared queries plus the agent: encoded once per page.
    per_agent = {
        "solved_url": ("assignee", tickets_url(base, status=done, **solved_range)),
        "frt_url": (
            "assignee",
            tickets_url(base, **day_range(filters.start_day, filters.end_day, "first_reply")),
        ),
        "reopen_url": (
            "assignee",
            tickets_url(base, status=done, reopened="true", **solved_range),
        ),
        "handle_url": (
            "worked_by",
            tickets_url(base, **day_range(filters.start_day, filters.end_day, "worked")),
        ),
        "load_url": ("assignee", tickets_url(base, status=list(Ticket.UNSOLVED))),
    }
    out = []
    for a in agents:
        s = by_agent.get(a.user_id, empty)
        row = {
            "agent": a,
            "summary": s,
            "open_load": load.get(a.user_id, 0),
            "productive_hours": hours.get(a.user_id),
            "per_hour": (s["solved"] / hours[a.user_id]) if hours.get(a.user_id) else None,
        }
        for name, (param, url) in per_agent.items():
            row[name] = with_param(url, param, a.user_id)
        out.append(row)
    return out


def lead_dashboard(*, user, filters: DashboardFilter, teams: list[Team], now=None) -> dict:
    """Everything on the lead's dashboard."""
    now = now or timezone.now()
    rows = rollup_rows(user=user, filters=filters, weekly=True)
    team_ids = (
        [filters.form.cleaned_data["team"].pk]
        if filters.form.cleaned_data.get("team")
        else [t.pk for t in teams]
    )
    weeks = list(combined_by(rows, lambda r: r["day"]).values())
    return {
        "queue": live_queue(user=user, filters=filters, now=now),
        "alerts": with_filings(volume_spikes(user=user, q=filters.ticket_q(), now=now)),
        "today": today_vs_last_weeks(user=user, filters=filters, now=now),
        "summary": summarize(weeks),
        "charts": weekly_trends(rows=weeks, filters=filters),
        "associates": per_associate(user=user, filters=filters, rows=rows, team_ids=team_ids),
    }


def manager_dashboard(*, user, filters: DashboardFilter, teams: list[Team]) -> dict:
    """Teams and vendors side by side over the range, with weekly trends per team."""
    rows = rollup_rows(user=user, filters=filters, per_agent=False, weekly=True)
    team_cells = combined_by(rows, lambda r: r["team_id"])
    by_team = {t: summarize([cell]) for t, cell in team_cells.items()}
    empty = summarize([])
    team_of = {t.pk: t for t in teams}
    vendor_rows: dict[int, list[dict]] = {}
    for t, cell in team_cells.items():
        team = team_of.get(t)
        if team is not None:
            vendor_rows.setdefault(team.vendor_id, []).append(cell)
    vendors = {t.vendor_id: t.vendor for t in teams}
    base = filters.ticket_params()
    solved_range = day_range(filters.start_day, filters.end_day, "solved")
    weeks = weeks_between(filters.start_day, filters.end_day)
    labels = [w.isoformat() for w in weeks]
    per_team_week = group(rows, lambda r: (r["team_id"], week_of(r["day"])))
    shown = [t for t in teams if t.pk in by_team] or teams

    def series(field, scale=1):
        out = []
        for t in shown:
            data = []
            for w in weeks:
                v = per_team_week.get((t.pk, w), empty)[field]
                data.append(round(v * scale, 1) if v is not None else None)
            out.append((t.name, data))
        return out

    return {
        "alerts": with_filings(volume_spikes(user=user, q=filters.ticket_q())),
        "sla_policies": sla_by_policy(user=user, filters=filters),
        "teams": [
            {
                "team": t,
                "summary": by_team.get(t.pk, empty),
                "solved_url": tickets_url(
                    {**base, "team": str(t.pk)}, status=list(Ticket.DONE), **solved_range
                ),
            }
            for t in teams
        ],
        "vendors": [
            {
                "vendor": v,
                "summary": summarize(vendor_rows.get(pk, [])),
                "solved_url": tickets_url(
                    {**base, "vendor": str(v.pk)}, status=list(Ticket.DONE), **solved_range
                ),
            }
            for pk, v in sorted(vendors.items(), key=lambda kv: kv[1].name)
        ],
        "summary": summarize(team_cells.values()),
        "charts": {
            "team_solved": chart(
                "team_solved", "Solved per week by team", "line", labels, series("solved")
            ),
            "team_frt": chart(
                "team_frt",
                "First reply p50 per week by team (minutes)",
                "line",
                labels,
                series("frt_p50"),
            ),
            "team_sla": chart(
                "team_sla",
                "SLA achieved per week by team (%)",
                "line",
                labels,
                series("sla_rate", 100),
            ),
        },
    }


def my_stats(*, user, filters: DashboardFilter) -> dict:
    """The viewer's own figures against the medians of their team's associates."""
    rows = rollup_rows(user=user, filters=filters, weekly=True)
    agent = getattr(user, "agent", None)
    team_rows = [r for r in rows if agent and r["team_id"] == agent.team_id]
    by_agent = group(team_rows, lambda r: r["agent_id"])
    mine = summarize([r for r in rows if r["agent_id"] == user.pk])
    peers = [s for a, s in by_agent.items() if a is not None]
    weeks = weeks_between(filters.start_day, filters.end_day)
    my_weeks = group([r for r in rows if r["agent_id"] == user.pk], lambda r: week_of(r["day"]))
    team_weeks = {
        w: medians(
            group(
                [r for r in team_rows if week_of(r["day"]) == w and r["agent_id"]],
                lambda r: r["agent_id"],
            ).values()
        )
        for w in weeks
    }
    empty = summarize([])
    labels = [w.isoformat() for w in weeks]
    solved_range = day_range(filters.start_day, filters.end_day, "solved")
    return {
        "mine": mine,
        "team": medians(peers),
        "peers": len(peers),
        "solved_url": tickets_url(
            filters.ticket_params(), assignee=user.pk, status=list(Ticket.DONE), **solved_range
        ),
        "handle_url": tickets_url(
            filters.ticket_params(),
            worked_by=user.pk,
            **day_range(filters.start_day, filters.end_day, "worked"),
        ),
        "frt_url": tickets_url(
            filters.ticket_params(),
            assignee=user.pk,
            **day_range(filters.start_day, filters.end_day, "first_reply"),
        ),
        "reopen_url": tickets_url(
            filters.ticket_params(),
            assignee=user.pk,
            status=list(Ticket.DONE),
            reopened="true",
            **solved_range,
        ),
        "sla_url": tickets_url(
            filters.ticket_params(),
            assignee=user.pk,
            sla_outcome="met",
            **day_range(filters.start_day, filters.end_day, "sla_ended"),
        ),
        "charts": {
            "my_solved": chart(
                "my_solved",
                "Solved per week: me and the team median",
                "line",
                labels,
                [
                    ("Me", [my_weeks.get(w, empty)["solved"] for w in weeks]),
                    ("Team median", [team_weeks[w]["solved"] for w in weeks]),
                ],
            ),
        },
    }


def backfill_pending_from() -> date | None:
    """The first UTC day whose figures an unfinished rollup backfill (after an upgrade,
    metrics.services.rollup_backfill_step) has not rebuilt yet, or None."""
    value = (
        RollupWatermark.objects.filter(name=BACKFILL_WATERMARK)
        .values_list("value", flat=True)
        .first()
    )
    return value.astimezone(UTC).date() if value else None
