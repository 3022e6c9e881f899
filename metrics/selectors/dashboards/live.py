"""Live figures for the lead's dashboard, straight from tickets: the backlog by status and
age, at risk and breached now, and today so far against the same weekday of past weeks.
Read through Ticket.objects.visible_in_teams / visible_to (the viewer's scope)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Case, Count, Q, Value, When
from django.utils import timezone

from tickets.filters import DUE_SOON
from tickets.models import Ticket

from ...filters import DashboardFilter
from ...links import tickets_url

AGE_BUCKETS = (  # label, age at least (hours), age under (hours): [lo, hi) like the tickets list
    ("under 4 h", 0, 4),
    ("4–24 h", 4, 24),
    ("1–3 days", 24, 72),
    ("3–7 days", 72, 168),
    ("over 7 days", 168, None),
)
AT_RISK = DUE_SOON  # the tickets list's "due within an hour" (sla=due_soon)


def team_backlog(user):
    """Unsolved tickets of the teams in the viewer's scope, within their clearance
    (Ticket.objects.visible_in_teams: read from the ticket_backlog index alone)."""
    return Ticket.objects.unsolved().visible_in_teams(user)


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
    grid: dict[str, list[dict]] = {s: [] for s in Ticket.UNSOLVED}
    for status in Ticket.UNSOLVED:
        for i, (_label, lo, hi) in enumerate(AGE_BUCKETS):
            params: dict[str, object] = {"status": status}
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
