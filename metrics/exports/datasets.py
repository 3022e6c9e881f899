"""The exportable datasets: header + a lazy row iterator, scoped to the viewer, filtered by
the dashboard filters, with times in the viewer's time zone."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo

from django.db import connection
from django.db.models import Case, CharField, F, QuerySet, Value, When
from django.db.models.functions import Cast

from teams.permissions import agents_visible_to, scope_for
from tickets.models import Ticket

from ..filters import DashboardFilter
from ..models import DailyRollup, QAReview
from ..selectors.breakdowns import handle_time_per_agent_day
from ..selectors.summary import ROLLUP_FIELDS, group
from . import pgcsv

CHUNK = 2000


@dataclass
class Dataset:
    """What one export holds: a title, the column names and the rows (an iterator)."""

    name: str
    title: str
    header: list[str]
    rows: Iterator[list]
    # PostgreSQL: the same rows as cells formatted by the database, for COPY (exports.pgcsv).
    copy: QuerySet | None = None


def _bounds(filters: DashboardFilter) -> tuple[datetime, datetime]:
    lo = datetime.combine(filters.start_day, datetime.min.time(), tzinfo=UTC)
    return lo, datetime.combine(
        filters.end_day + timedelta(days=1), datetime.min.time(), tzinfo=UTC
    )


def _local(value, tz: tzinfo):
    return value.astimezone(tz) if value else None


def tickets_dataset(*, user, filters: DashboardFilter, tz: tzinfo) -> Dataset:
    """Tickets created in the range, one row each, with their first reply and resolution times."""
    lo, hi = _bounds(filters)
    pii = scope_for(user).can_view_pii
    columns = [
        ("pk", "Reference"),
        ("subject", "Subject"),
        ("status", "Status"),
        ("priority", "Priority"),
        ("category__name", "Category"),
        ("channel", "Channel"),
        ("team__name", "Team"),
        ("team__vendor__name", "Vendor"),
        ("assignee__username", "Assignee"),
        ("requester__email", "Requester email"),
        ("created_at", "Created"),
        ("first_reply_at", "First reply"),
        ("solved_at", "Solved"),
        ("closed_at", "Closed"),
        ("reopen_count", "Reopens"),
        ("metric__first_reply_minutes", "First reply (min)"),
        ("metric__full_resolution_minutes", "Full resolution (min)"),
    ]
    if not pii:
        columns = [c for c in columns if c[0] != "requester__email"]
    fields = [c[0] for c in columns]
    scoped = (
        Ticket.objects.visible_to(user)
        .filter(filters.ticket_q(), created_at__gte=lo, created_at__lt=hi)
        .order_by("created_at", "pk")
    )
    qs = scoped.values_list(*fields)
    priorities = dict(Ticket.Priority.choices)
    times = {i for i, f in enumerate(fields) if f.endswith("_at")}
    prio = fields.index("priority")

    def rows():
        for row in qs.iterator(chunk_size=CHUNK):
            out = list(row)
            out[0] = f"FL-{out[0]}"
            out[prio] = priorities.get(out[prio], out[prio])
            for i in times:
                out[i] = _local(out[i], tz)
            yield out

    header = [c[1] for c in columns]
    copy = None
    zone = getattr(tz, "key", None) or ("UTC" if tz.utcoffset(None) == timedelta(0) else None)
    if connection.vendor == "postgresql" and zone:
        cells = []
        for f in fields:
            if f == "pk":
                cells.append(pgcsv.prefixed("FL-", "pk"))
            elif f == "priority":
                whens = [When(priority=k, then=Value(v)) for k, v in priorities.items()]
                cells.append(
                    Case(*whens, default=Cast("priority", CharField()), output_field=CharField())
                )
            elif f in ("status", "channel", "reopen_count"):
                cells.append(F(f))
            elif f.endswith("_at"):
                cells.append(pgcsv.local_time(f, zone))
            elif f.endswith("_minutes"):
                cells.append(pgcsv.number(f))
            else:
                cells.append(pgcsv.text(f))
        copy = scoped.values_list(*cells)
    return Dataset("tickets", "Tickets", header, rows(), copy)


def agents_dataset(*, user, filters: DashboardFilter, tz: tzinfo) -> Dataset:
    """One row per agent over the range, from the daily rollups."""
    rows_qs = (
        filters.filter_queryset(DailyRollup.objects.visible_to(user))
        .order_by()
        .values(*ROLLUP_FIELDS)
    )
    by_agent = group(rows_qs.iterator(chunk_size=CHUNK), lambda r: r["agent_id"])
    agents = {
        a.user_id: a for a in agents_visible_to(user).filter(user_id__in=[k for k in by_agent if k])
    }
    header = [
        "Agent", "Team", "Created", "Solved", "First reply p50 (min)", "First reply p90 (min)",
        "First reply mean (min)", "Resolution p50 (min)", "Reopen rate", "One-touch rate",
        "SLA achieved", "QA mean", "QA reviews",
    ]  # fmt: skip

    def rows():
        for agent_id, s in sorted(by_agent.items(), key=lambda kv: str(agents.get(kv[0], ""))):
            agent = agents.get(agent_id)
            if agent_id and agent is None:
                continue  # an agent of a team the viewer no longer sees
            yield [
                agent.user.username if agent else "(unassigned)",
                agent.team.name if agent and agent.team else "",
                s["created"], s["solved"], s["frt_p50"], s["frt_p90"], s["frt_mean"],
                s["resolution_p50"], s["reopen_rate"], s["one_touch_rate"], s["sla_rate"],
                s["qa_mean"], s["qa_count"],
            ]  # fmt: skip

    return Dataset("agents", "Agent performance", header, rows())


def qa_dataset(*, user, filters: DashboardFilter, tz: tzinfo) -> Dataset:
    """QA reviews submitted in the range."""
    lo, hi = _bounds(filters)
    q = filters.ticket_q()
    ticket_ids = Ticket.objects.visible_to(user).filter(q).values("pk")
    qs = (
        QAReview.objects.visible_to(user)
        .filter(submitted_at__gte=lo, submitted_at__lt=hi, ticket__in=ticket_ids)
        .order_by("submitted_at", "pk")
        .values_list(
            "ticket_id", "agent__username", "team__name", "reviewer__username",
            "version__scorecard__name", "version__number", "score", "auto_failed", "status",
            "response", "submitted_at", "comment",
        )
    )  # fmt: skip
    header = [
        "Ticket", "Associate", "Team", "Reviewer", "Scorecard", "Version", "Score",
        "Auto-fail", "Status", "Response", "Submitted", "Comment",
    ]  # fmt: skip

    def rows():
        for row in qs.iterator(chunk_size=CHUNK):
            out = list(row)
            out[0] = f"FL-{out[0]}"
            out[7] = "yes" if out[7] else "no"
            out[10] = _local(out[10], tz)
            yield out

    return Dataset("qa", "QA reviews", header, rows())


def handle_time_dataset(*, user, filters: DashboardFilter, tz: tzinfo) -> Dataset:
    """Handle time per agent per UTC day (metric "handle-time"), from the daily rollups."""
    qs = handle_time_per_agent_day(user=user, filters=filters).order_by("day", "agent__username")
    header = ["Day (UTC)", "Agent", "Tickets handled", "Handle time (min)", "Per ticket (min)"]

    def rows():
        for r in qs.iterator(chunk_size=CHUNK):
            minutes = r["seconds"] / 60
            yield [r["day"], r["agent__username"], r["tickets"], round(minutes, 1),
                   round(minutes / r["tickets"], 1)]  # fmt: skip

    return Dataset("handle_time", "Handle time per agent per day", header, rows())


DATASETS: dict[str, tuple[str, Callable[..., Dataset]]] = {
    "tickets": ("Tickets", tickets_dataset),
    "agents": ("Agent performance", agents_dataset),
    "qa": ("QA reviews", qa_dataset),
    "handle_time": ("Handle time per agent per day", handle_time_dataset),
}


def build_dataset(name: str, *, user, filters: DashboardFilter, tz: tzinfo) -> Dataset:
    return DATASETS[name][1](user=user, filters=filters, tz=tz)
