"""An associate's own figures (My stats) against the medians of their team's associates."""

from __future__ import annotations

from tickets.models import Ticket

from ...filters import DashboardFilter
from ...links import day_range, tickets_url
from ..summary import group, medians, summarize, week_of, weeks_between
from .charts import chart
from .rows import rollup_rows


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
