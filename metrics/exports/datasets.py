"""The exportable datasets: header + a lazy row iterator, scoped to the viewer, filtered by
the dashboard filters, readable as they come (exports.columns): people by name, choices by
label, times in the viewer's zone named in the header (or UTC ISO 8601), figures rounded."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo

from django.db import connection
from django.db.models import F, QuerySet

from teams.permissions import agents_visible_to, scope_for
from tickets.models import Ticket

from ..filters import DashboardFilter
from ..models import DailyRollup, QAReview
from ..selectors.breakdowns import handle_time_per_agent_day
from ..selectors.summary import ROLLUP_FIELDS, group
from . import columns, pgcsv
from .columns import Times

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
    # (column, meaning) for the XLSX "Definitions" sheet, then how times are written.
    definitions: list[tuple[str, str]] = field(default_factory=list)


def _bounds(filters: DashboardFilter) -> tuple[datetime, datetime]:
    lo = datetime.combine(filters.start_day, datetime.min.time(), tzinfo=UTC)
    return lo, datetime.combine(
        filters.end_day + timedelta(days=1), datetime.min.time(), tzinfo=UTC
    )


def _dataset(name: str, title: str, header: list[str], rows, times: Times, copy=None) -> Dataset:
    return Dataset(name, title, header, rows, copy, columns.definitions(header, times))


PEOPLE = ("first_name", "last_name", "username")
CHOICES = {
    "status": Ticket.Status.choices,
    "priority": Ticket.Priority.choices,
    "channel": Ticket.Channel.choices,
}


def tickets_dataset(*, user, filters: DashboardFilter, times: Times) -> Dataset:
    """Tickets created in the range, one row each, with their first reply and resolution times:
    status, priority and channel by label, the assignee by name, times in `times`."""
    lo, hi = _bounds(filters)
    pii = scope_for(user).can_view_pii
    columns_ = [
        ("pk", "Reference"),
        ("subject", "Subject"),
        ("status", "Status"),
        ("priority", "Priority"),
        ("category__name", "Category"),
        ("channel", "Channel"),
        ("team__name", "Team"),
        ("team__vendor__name", "Vendor"),
        ("assignee", "Assignee"),
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
        columns_ = [c for c in columns_ if c[0] != "requester__email"]
    fields = [c[0] for c in columns_]
    scoped = (
        Ticket.objects.visible_to(user)
        .filter(filters.ticket_q(), created_at__gte=lo, created_at__lt=hi)
        .order_by("created_at", "pk")
    )
    people = [f"assignee__{p}" for p in PEOPLE]
    qs = scoped.values_list(*[f for f in fields if f != "assignee"], *people)
    labels = {f: dict(c) for f, c in CHOICES.items()}
    who = fields.index("assignee")

    def rows():
        for row in qs.iterator(chunk_size=CHUNK):
            *cells, first, last, username = row
            cells.insert(who, columns.person(first, last, username))
            out = []
            for f, value in zip(fields, cells, strict=True):
                if f == "pk":
                    value = f"FL-{value}"
                elif f in labels:
                    value = labels[f].get(value, value)
                elif f.endswith("_at"):
                    value = times.cell(value)
                elif f.endswith("_minutes"):
                    value = columns.rounded(value)
                out.append(value)
            yield out

    header = [times.header(h) if f.endswith("_at") else h for f, h in columns_]
    copy = None
    if connection.vendor == "postgresql" and times.zone:
        cells = []
        for f in fields:
            if f == "pk":
                cells.append(pgcsv.prefixed("FL-", "pk"))
            elif f in CHOICES:
                cells.append(columns.labelled_sql(f, CHOICES[f]))
            elif f == "assignee":
                cells.append(pgcsv.text_of(columns.person_sql("assignee")))
            elif f == "reopen_count":
                cells.append(F(f))
            elif f.endswith("_at"):
                cells.append(times.sql(f))
            elif f.endswith("_minutes"):
                cells.append(pgcsv.number(f))
            else:
                cells.append(pgcsv.text(f))
        copy = scoped.values_list(*cells)
    return _dataset("tickets", "Tickets", header, rows(), times, copy)


def agents_dataset(*, user, filters: DashboardFilter, times: Times) -> Dataset:
    """One row per agent over the range, from the daily rollups; agents by name, durations in
    minutes and rates in percent, rounded to one decimal."""
    rows_qs = (
        filters.filter_queryset(DailyRollup.objects.visible_to(user))
        .order_by()
        .values(*ROLLUP_FIELDS)
    )
    by_agent = group(rows_qs.iterator(chunk_size=CHUNK), lambda r: r["agent_id"])
    agents = {
        a.user_id: a
        for a in agents_visible_to(user)
        .select_related("user", "team")
        .filter(user_id__in=[k for k in by_agent if k])
    }
    header = [
        "Agent", "Team", "Created tickets", "Solved tickets", "First reply p50 (min)",
        "First reply p90 (min)", "First reply mean (min)", "Resolution p50 (min)",
        "Reopen rate (%)", "One-touch rate (%)", "SLA achieved (%)", "QA mean", "QA reviews",
    ]  # fmt: skip
    r1, pct = columns.rounded, columns.percent

    def rows():
        for agent_id, s in sorted(by_agent.items(), key=lambda kv: str(agents.get(kv[0], ""))):
            agent = agents.get(agent_id)
            if agent_id and agent is None:
                continue  # an agent of a team the viewer no longer sees
            yield [
                str(agent) if agent else "(unassigned)",
                agent.team.name if agent and agent.team else "",
                s["created"], s["solved"], r1(s["frt_p50"]), r1(s["frt_p90"]), r1(s["frt_mean"]),
                r1(s["resolution_p50"]), pct(s["reopen_rate"]), pct(s["one_touch_rate"]),
                pct(s["sla_rate"]), r1(s["qa_mean"]), s["qa_count"],
            ]  # fmt: skip

    return _dataset("agents", "Agent performance", header, rows(), times)


def qa_dataset(*, user, filters: DashboardFilter, times: Times) -> Dataset:
    """QA reviews submitted in the range; people by name, status and response by label."""
    lo, hi = _bounds(filters)
    q = filters.ticket_q()
    ticket_ids = Ticket.objects.visible_to(user).filter(q).values("pk")
    qs = (
        QAReview.objects.visible_to(user)
        .filter(submitted_at__gte=lo, submitted_at__lt=hi, ticket__in=ticket_ids)
        .order_by("submitted_at", "pk")
        .values_list(
            "ticket_id", "agent__first_name", "agent__last_name", "agent__username",
            "team__name", "reviewer__first_name", "reviewer__last_name", "reviewer__username",
            "version__scorecard__name", "version__number", "score", "auto_failed", "status",
            "response", "submitted_at", "comment",
        )
    )  # fmt: skip
    header = [
        "Ticket", "Associate", "Team", "Reviewer", "Scorecard", "Version", "Score",
        "Auto-fail", "Status", "Response", "Submitted", "Comment",
    ]  # fmt: skip
    header[10] = times.header("Submitted")
    statuses = dict(QAReview.Status.choices)
    responses = dict(QAReview.Response.choices)

    def rows():
        for row in qs.iterator(chunk_size=CHUNK):
            (ticket, a1, a2, a3, team, r1, r2, r3, card, version, score, failed, status,
             response, submitted, comment) = row  # fmt: skip
            yield [
                f"FL-{ticket}", columns.person(a1, a2, a3), team, columns.person(r1, r2, r3),
                card, version, columns.rounded(score), "yes" if failed else "no",
                statuses.get(status, status), responses.get(response, response),
                times.cell(submitted), comment,
            ]  # fmt: skip

    return _dataset("qa", "QA reviews", header, rows(), times)


def handle_time_dataset(*, user, filters: DashboardFilter, times: Times) -> Dataset:
    """Handle time per agent per UTC day (metric "handle-time"), from the daily rollups."""
    qs = handle_time_per_agent_day(user=user, filters=filters).order_by("day", "agent__username")
    names = {a.user_id: str(a) for a in agents_visible_to(user).select_related("user")}
    header = ["Day (UTC)", "Agent", "Tickets handled", "Handle time (min)", "Per ticket (min)"]

    def rows():
        for r in qs.iterator(chunk_size=CHUNK):
            minutes = r["seconds"] / 60
            yield [r["day"], names.get(r["agent_id"], r["agent__username"]), r["tickets"],
                   columns.rounded(minutes), columns.rounded(minutes / r["tickets"])]  # fmt: skip

    return _dataset("handle_time", "Handle time per agent per day", header, rows(), times)


DATASETS: dict[str, tuple[str, Callable[..., Dataset]]] = {
    "tickets": ("Tickets", tickets_dataset),
    "agents": ("Agent performance", agents_dataset),
    "qa": ("QA reviews", qa_dataset),
    "handle_time": ("Handle time per agent per day", handle_time_dataset),
}


def build_dataset(
    name: str, *, user, filters: DashboardFilter, tz: tzinfo, utc_iso: bool = False
) -> Dataset:
    """The dataset `name` for `user`: times in `tz` (named in the header), or as UTC ISO 8601
    text with `utc_iso`."""
    return DATASETS[name][1](user=user, filters=filters, times=Times(tz, utc_iso))
