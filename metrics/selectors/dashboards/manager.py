"""The manager's overview: teams and vendors side by side, with weekly trends per team."""

from __future__ import annotations

from teams.models import Team
from tickets.models import Ticket

from ...filters import DashboardFilter
from ...links import day_range, summary_links, tickets_url
from ..alerts import volume_spikes, with_filings
from ..breakdowns import sla_by_policy
from ..summary import combined_by, group, summarize, week_of, weeks_between
from .charts import chart
from .rows import rollup_rows


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
        "summary_links": summary_links(base, filters.start_day, filters.end_day),
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
