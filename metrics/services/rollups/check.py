"""The nightly check: a UTC day's rollups against the same figures counted straight from the
raw rows (tickets, their messages and status events through metrics.facts, CSAT responses,
SLA targets), per team; admins are alerted (a notification and its e-mail) when they differ.

It reads the stored rows as dashboards do (the fine DailyRollup rows and the DailyTeamRollup
rows the overview reads) and never repairs them: a difference means a refresh went missing
or a row was changed by hand, which someone should look at; the alert says how to rebuild.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone

from teams.models import Role, Team
from tickets.models import CSATResponse, Message, Notification, Ticket, TicketEvent, TicketSLA
from tickets.services import notifications_create

from ...facts import TICKET_FIELDS, facts_for_tickets
from ...models import DailyRollup, DailyTeamRollup
from .days import CHUNK, utc_day

logger = logging.getLogger(__name__)

FIGURES = (
    "created", "solved", "frt_count", "resolution_count", "sla_achieved", "sla_breached",
    "csat_1", "csat_2", "csat_3", "csat_4", "csat_5",
)  # fmt: skip
NOTICE_KIND = "rollup_check"

Figures = dict[int | None, Counter]


@dataclass(frozen=True)
class Difference:
    table: str  # "fine" (DailyRollup) or "team" (DailyTeamRollup)
    team_id: int | None
    figure: str
    stored: int
    counted: int


def _bounds(day: date) -> tuple[datetime, datetime]:
    lo = datetime.combine(day, datetime.min.time(), tzinfo=UTC)
    return lo, lo + timedelta(days=1)


def _counted(day: date, now: datetime) -> Figures:
    """The day's figures per team, from the raw rows."""
    lo, hi = _bounds(day)
    out: Figures = defaultdict(Counter)
    replied = Message.objects.filter(
        kind=Message.Kind.PUBLIC, author_user__isnull=False, created_at__gte=lo, created_at__lt=hi
    ).values("ticket_id")
    solved = TicketEvent.objects.filter(
        field="status", new=Ticket.Status.SOLVED, created_at__gte=lo, created_at__lt=hi
    ).values("ticket_id")
    candidates = Ticket.objects.filter(
        Q(created_at__gte=lo, created_at__lt=hi)
        | Q(solved_at__gte=lo, solved_at__lt=hi)
        | Q(pk__in=replied)
        | Q(pk__in=solved)
    ).order_by()
    rows = candidates.values(*TICKET_FIELDS).iterator(chunk_size=CHUNK)
    batch: list[dict] = []
    for row in rows:
        batch.append(row)
        if len(batch) == CHUNK:
            _count_facts(batch, day, now, out)
            batch = []
    _count_facts(batch, day, now, out)
    ratings = CSATResponse.objects.filter(
        rating__isnull=False, rated_at__gte=lo, rated_at__lt=hi
    ).values_list("ticket__team_id", "rating")
    for team, rating in ratings:
        out[team][f"csat_{rating}"] += 1
    for team in TicketSLA.objects.met_between(lo, hi).values_list("ticket__team_id", flat=True):
        out[team]["sla_achieved"] += 1
    for team in TicketSLA.objects.breached_between(lo, hi).values_list(
        "ticket__team_id", flat=True
    ):
        out[team]["sla_breached"] += 1
    return out


def _count_facts(batch: list[dict], day: date, now: datetime, out: Figures) -> None:
    for row, f in facts_for_tickets(batch, now=now):
        figures = out[row["team_id"]]
        if utc_day(row["created_at"]) == day:
            figures["created"] += 1
        if f.first_reply_minutes is not None and utc_day(f.first_reply_at) == day:
            figures["frt_count"] += 1
        if f.solved and utc_day(f.latest_solved_at) == day:
            figures["solved"] += 1
            figures["resolution_count"] += 1


def _stored(model, day: date) -> Figures:
    out: Figures = defaultdict(Counter)
    for row in model.objects.filter(day=day).values("team_id", *FIGURES).iterator(CHUNK):
        for name in FIGURES:
            out[row["team_id"]][name] += row[name]
    return out


def rollup_check_day(*, day: date, now: datetime | None = None) -> list[Difference]:
    """Every figure of the day whose stored rollups differ from the raw rows; [] when equal."""
    now = now or timezone.now()
    counted = _counted(day, now)
    diffs = []
    for table, model in (("fine", DailyRollup), ("team", DailyTeamRollup)):
        stored = _stored(model, day)
        for team in sorted(set(counted) | set(stored), key=lambda t: (t is None, t or 0)):
            for name in FIGURES:
                have, want = stored[team][name], counted[team][name]
                if have != want:
                    diffs.append(Difference(table, team, name, have, want))
    return diffs


def _admins() -> list[int]:
    users = get_user_model().objects.filter(is_active=True)
    return list(
        users.filter(Q(is_superuser=True) | Q(agent__role=Role.ADMIN))
        .order_by("pk")
        .values_list("pk", flat=True)
        .distinct()
    )


def _describe(day: date, diffs: list[Difference]) -> str:
    names = dict(Team.objects.values_list("pk", "name"))
    first = diffs[0]
    team = names.get(first.team_id, "no team") if first.team_id else "no team"
    return (
        f"Dashboard figures for {day} differ from the tickets in {len(diffs)} places, e.g. "
        f"{team} {first.figure}: {first.stored} shown, {first.counted} counted. Rebuild with "
        f"`manage.py rollup_backfill --from {day} --to {day}`."
    )


def rollup_check_yesterday(*, now: datetime | None = None) -> list[Difference]:
    """Nightly: check yesterday's (UTC) rollups; when they differ, notify every admin once
    (an in-app notice and its e-mail). Safe to run twice: a day is reported once."""
    now = now or timezone.now()
    day = utc_day(now) - timedelta(days=1)
    diffs = rollup_check_day(day=day, now=now)
    if not diffs:
        return diffs
    text = _describe(day, diffs)
    logger.warning("rollup check: %s", text)
    already = Notification.objects.filter(
        kind=NOTICE_KIND, text__startswith=f"Dashboard figures for {day} "
    ).exists()
    admins = _admins()
    if admins and not already:
        notifications_create(items=[(u, None, NOTICE_KIND, text) for u in admins], now=now)
    return diffs
