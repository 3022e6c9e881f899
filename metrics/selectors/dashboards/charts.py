"""Chart data for dashboards: what the page's JSON, the canvas and the CSV download read."""

from __future__ import annotations

from ...filters import DashboardFilter
from ..summary import group, summarize, week_of, weeks_between


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
