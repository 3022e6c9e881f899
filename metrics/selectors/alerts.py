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

from teams.permissions import ScopedFields, scope_filter, scope_for
from tickets.models import Category, Ticket

from ..links import tickets_url
from ..models import ProductFeedback
from ..permissions import can_see_team_figures

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
    """Categories whose volume in the last `hours` among the tickets `user` may see (under
    `q`) is a significant spike, largest z first."""
    tickets = Ticket.objects.visible_to(user, teams_as_subquery=True).filter(q or Q())
    return spikes_in(tickets, now=now, hours=hours)


def spikes_in(tickets, *, now: datetime | None = None, hours: int = WINDOW_HOURS) -> list[dict]:
    """Spikes per category among `tickets` (a Ticket queryset), in one query."""
    now = now or timezone.now()
    span = timedelta(hours=hours)
    aggs, windows = {}, Q()
    for k in range(WEEKS + 1):
        end = now - timedelta(weeks=k)
        window = Q(created_at__gte=end - span, created_at__lt=end)
        aggs[f"c{k}"] = Count("pk", filter=window)
        windows |= window
    rows = (
        tickets.filter(windows)  # only the five windows' rows, not four weeks of tickets
        .order_by()
        .values("category_id", "category__slug", "category__name")
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
                    "category_id": r["category_id"],
                    "slug": r["category__slug"],
                    "observed": observed,
                    "expected": expected,
                    "change": (observed / expected - 1) if expected else None,
                    "z": z,
                    "p": p,
                    "since": timezone.localtime(now - span),
                    "window_start": now - span,
                    "until": now,
                    "url": tickets_url(
                        category=r["category__slug"], created_after=now - span, created_before=now
                    ),
                }
            )
    return sorted(out, key=lambda a: -a["z"])


def with_filings(alerts: list[dict]) -> list[dict]:
    """Mark each alert with the product-feedback filing that already covers its window (one
    query, none without alerts), so the page offers "file" only once."""
    if not alerts:
        return alerts
    earliest = min(a["window_start"] for a in alerts)
    filings = list(
        ProductFeedback.objects.filter(
            category_id__in={a["category_id"] for a in alerts}, window_end__gt=earliest
        ).only("pk", "category_id", "window_start", "window_end")
    )
    for a in alerts:
        a["filing"] = next(
            (
                f
                for f in filings
                if f.category_id == a["category_id"]
                and f.window_start < a["until"]
                and f.window_end > a["window_start"]
            ),
            None,
        )
    return alerts


def product_feedback_visible(user):
    """Filings a user may open: leads, managers, QA analysts and admins, for categories within
    their clearance (the tickets listed are narrowed to the viewer's own scope on the page)."""
    if not can_see_team_figures(user):
        return ProductFeedback.objects.none()
    return scope_filter(
        ProductFeedback.objects.all(), scope_for(user), ScopedFields(team=None)
    ).select_related("category", "filed_by")


def feedback_category(*, user, slug: str) -> Category | None:
    """The category an alert names, if it is within the viewer's clearance (a filing is for
    a spike the viewer could see)."""
    categories = Category.objects.filter(slug=slug)
    fields = ScopedFields(team=None, sensitivity="sensitivity")
    return scope_filter(categories, scope_for(user), fields).first()


def product_feedback_tickets(*, user, filing):
    """The filing's example tickets the viewer may see, oldest first."""
    return (
        Ticket.objects.visible_to(user)
        .filter(pk__in=filing.tickets.values("pk"))
        .select_related("team", "category")
        .order_by("created_at", "pk")
    )
