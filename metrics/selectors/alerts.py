"""Trend alerts: ticket volume per category now against the same hours of the last 4 weeks.

For each category, `observed` = tickets created in the last `hours` hours and `expected` =
the mean of the counts in the same window 7, 14, 21 and 28 days earlier. Arrivals are
treated as Poisson with mean `expected` (floored at 1, so a quiet category needs a real
burst): z = (observed − expected) ÷ √expected, and p = P(X ≥ observed). A spike is raised
when observed ≥ MIN_COUNT, z ≥ Z_ALERT and p < P_ALERT. Computed live from the viewer's
visible tickets (one query), so an alert never counts tickets the viewer cannot see.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from django.db.models import Count, Q
from django.utils import timezone

from tickets.models import Ticket

from ..links import tickets_url

WINDOW_HOURS = 3
WEEKS = 4
MIN_COUNT = 8
Z_ALERT = 3.0
P_ALERT = 0.001


def poisson_tail(observed: int, mean: float) -> float:
    """P(X ≥ observed) for X ~ Poisson(mean)."""
    if observed <= 0:
        return 1.0
    below = sum(math.exp(k * math.log(mean) - mean - math.lgamma(k + 1)) for k in range(observed))
    return max(0.0, 1.0 - below)


def volume_spikes(
    *, user, q: Q | None = None, now: datetime | None = None, hours: int = WINDOW_HOURS
):
    """Categories whose volume in the last `hours` is a significant spike, largest z first."""
    now = now or timezone.now()
    span = timedelta(hours=hours)
    aggs, windows = {}, Q()
    for k in range(WEEKS + 1):
        end = now - timedelta(weeks=k)
        window = Q(created_at__gte=end - span, created_at__lt=end)
        aggs[f"c{k}"] = Count("pk", filter=window)
        windows |= window
    rows = (
        Ticket.objects.visible_to(user)
        .filter(q or Q())
        .filter(windows)  # only the five windows' rows, not four weeks of tickets
        .order_by()
        .values("category__slug", "category__name")
        .annotate(**aggs)
        .filter(c0__gte=MIN_COUNT)
    )
    out = []
    for r in rows:
        observed = r["c0"]
        expected = sum(r[f"c{k}"] for k in range(1, WEEKS + 1)) / WEEKS
        mean = max(expected, 1.0)
        z = (observed - mean) / math.sqrt(mean)
        p = poisson_tail(observed, mean)
        if z >= Z_ALERT and p < P_ALERT:
            out.append(
                {
                    "category": r["category__name"],
                    "observed": observed,
                    "expected": expected,
                    "change": (observed / expected - 1) if expected else None,
                    "z": z,
                    "p": p,
                    "since": timezone.localtime(now - span),
                    "url": tickets_url(
                        category=r["category__slug"], created_after=now - span, created_before=now
                    ),
                }
            )
    return sorted(out, key=lambda a: -a["z"])
