"""The lead's team dashboard: live queue, alerts, today, weekly trends and one row per
associate."""

from __future__ import annotations

from django.db.models import Count
from django.utils import timezone

from teams.models import Role, Team
from teams.permissions import agents_visible_to
from tickets.models import Ticket

from ...filters import DashboardFilter
from ...links import day_range, summary_links, tickets_url, with_param
from ..alerts import volume_spikes, with_filings
from ..summary import combined_by, group, summarize
from .charts import weekly_trends
from .live import live_queue, team_backlog, today_vs_last_weeks
from .productive import NO_PRESENCE, productive_hours
from .rows import rollup_rows


def per_associate(*, user, filters: DashboardFilter, rows: list[dict], team_ids) -> list[dict]:
    """One row per associate of the teams: solved, tickets per productive hour, FRT p50,
    reopen and one-touch rates, CSAT, handle time (from rollups) and open load now against
    capacity (one query each for people, load, productive time and presence); each figure
    links to the tickets behind it."""
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
    productive = productive_hours(
        agent_ids=[a.user_id for a in agents], start=filters.start_day, end=filters.end_day
    )
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
        "one_touch_url": (
            "assignee",
            tickets_url(base, status=done, one_touch="true", **solved_range),
        ),
        "csat_url": (
            "csat_agent",
            tickets_url(
                base, csat="rated", **day_range(filters.start_day, filters.end_day, "rated")
            ),
        ),
    }
    out = []
    for a in agents:
        s = by_agent.get(a.user_id, empty)
        hours, why_not = productive.get(a.user_id, (None, NO_PRESENCE))
        row = {
            "agent": a,
            "summary": s,
            "open_load": load.get(a.user_id, 0),
            "productive_hours": hours,
            "per_hour": s["solved"] / hours if hours else None,
            "per_hour_missing": why_not,
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
        "summary_links": summary_links(filters.ticket_params(), filters.start_day, filters.end_day),
        "charts": weekly_trends(rows=weeks, filters=filters),
        "associates": per_associate(user=user, filters=filters, rows=rows, team_ids=team_ids),
    }
