"""Keeping the rollups current: the incremental refresh from a watermark, and the backfill of
history (a range at once, or a week a run of the refresh task)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from django.db.models.functions import TruncDate
from django.utils import timezone

from tickets.models import Ticket, TicketSLA, WorkSession

from ...models import RollupWatermark
from .daily import rollup_rebuild_days
from .days import utc_day
from .ticket_metrics import ticket_metrics_recompute

WATERMARK = "rollups"
# The first UTC day whose tickets have not been re-rolled since an upgrade added rollup
# tables or figures (migration 0015) or since a first refresh that read only recent changes;
# rollup_backfill_step works forward from it, BACKFILL_STEP_DAYS of created tickets a run.
BACKFILL = RollupWatermark.BACKFILL
BACKFILL_STEP_DAYS = 7
# A ticket is re-read when it changed within this margin before the watermark too, so a
# transaction that committed late (updated_at set before the last run read) is not missed.
OVERLAP = timedelta(minutes=5)
# With no watermark yet, a refresh reads every ticket only up to this many (the embedded demo);
# beyond it just the tickets changed in FIRST_RUN_DAYS, and the backfill command does the rest.
FIRST_RUN_MAX = 50_000
FIRST_RUN_DAYS = timedelta(days=2)


def rollup_refresh(*, now: datetime | None = None) -> dict:
    """Incremental refresh: tickets changed since the watermark, plus unreplied tickets whose
    first-reply target fell due since then; rebuilds every day they count(ed) on.

    Safe to run twice: it recomputes from the source rows and replaces whole days.
    """
    now = now or timezone.now()
    mark = RollupWatermark.objects.filter(name=WATERMARK).first()
    if mark is None and Ticket.objects.count() <= FIRST_RUN_MAX:
        since = None
        changed = Ticket.objects.all()
    elif mark is None:
        # Too much history for one task run: take the last days now; the older history is
        # left to rollup_backfill_step (a week per run) or the `rollup_backfill` command.
        since = now - FIRST_RUN_DAYS
        changed = Ticket.objects.filter(updated_at__gt=since)
        rollup_backfill_pending_from(day=_first_ticket_day())
    else:
        since = mark.value - OVERLAP
        changed = Ticket.objects.filter(updated_at__gt=since)
    ids = set(changed.values_list("pk", flat=True))
    sessions = WorkSession.objects.all()
    if since is not None:
        # The SLA sweep marks breaches without touching the ticket.
        ids |= set(
            TicketSLA.objects.filter(breached_at__gt=since, breached_at__lte=now).values_list(
                "ticket_id", flat=True
            )
        )
        sessions = sessions.filter(last_seen_at__gt=since)
    worked_days = set(
        sessions.annotate(d=TruncDate("started_at", tzinfo=UTC))
        .order_by()
        .values_list("d", flat=True)
        .distinct()
    )
    days = ticket_metrics_recompute(ticket_ids=sorted(ids), now=now) | worked_days
    rows = rollup_rebuild_days(days=days)
    RollupWatermark.objects.update_or_create(name=WATERMARK, defaults={"value": now})
    return {"tickets": len(ids), "days": len(days), "rows": rows}


def rollup_backfill(
    *, start: date, end: date, now: datetime | None = None, later_days: bool = True
) -> dict:
    """Rebuild every ticket created in [start, end] (UTC days) and every day they count on
    (with later_days=False only the days of the range: enough when working forward, since a
    ticket counts on no day before its creation). A pending backfill (BACKFILL) that starts
    inside the range moves past it."""
    now = now or timezone.now()
    lo = datetime.combine(start, datetime.min.time(), tzinfo=UTC)
    hi = datetime.combine(end + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
    ids = list(
        Ticket.objects.filter(created_at__gte=lo, created_at__lt=hi)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    days = ticket_metrics_recompute(ticket_ids=ids, now=now)
    span = {start + timedelta(days=i) for i in range((end - start).days + 1)}
    rebuilt = days | span if later_days else span
    rows = rollup_rebuild_days(days=rebuilt)
    pending = RollupWatermark.objects.filter(name=BACKFILL).first()
    if pending is not None and start <= pending.value.astimezone(UTC).date() <= end:
        if end >= now.astimezone(UTC).date():
            pending.delete()
        else:
            pending.value = hi
            pending.save(update_fields=["value"])
    return {"tickets": len(ids), "days": len(rebuilt), "rows": rows}


def _first_ticket_day() -> date | None:
    first = Ticket.objects.order_by("created_at").values_list("created_at", flat=True).first()
    return utc_day(first)


def rollup_backfill_pending_from(*, day: date | None) -> None:
    """Mark every ticket created from `day` on as due for a backfill (an earlier pending
    start is kept); nothing when there are no tickets."""
    if day is None:
        return
    start = datetime.combine(day, datetime.min.time(), tzinfo=UTC)
    pending = RollupWatermark.objects.filter(name=BACKFILL).first()
    if pending is None:
        RollupWatermark.objects.create(name=BACKFILL, value=start)
    elif start < pending.value:
        pending.value = start
        pending.save(update_fields=["value"])


def rollup_backfill_step(*, now: datetime | None = None, days: int = BACKFILL_STEP_DAYS) -> dict:
    """Backfill the next `days` UTC days of a pending backfill (oldest first), if any: each
    day is final once its step ran, since its tickets were all created on or before it.
    Safe to run twice (it recomputes and replaces whole days)."""
    now = now or timezone.now()
    pending = RollupWatermark.objects.filter(name=BACKFILL).first()
    if pending is None:
        return {"pending": False}
    start = pending.value.astimezone(UTC).date()
    end = min(start + timedelta(days=days - 1), now.astimezone(UTC).date())
    if end < start:  # a start in the future: nothing left to do
        pending.delete()
        return {"pending": False}
    result = rollup_backfill(start=start, end=end, now=now, later_days=False)
    left = RollupWatermark.objects.filter(name=BACKFILL).exists()
    return {"pending": left, "start": start.isoformat(), "end": end.isoformat(), **result}


def rollups_build_all(*, now: datetime | None = None) -> dict:
    """Every ticket's metrics and every day's rollups now, whatever the history's size: the
    refresh (which sets the watermark), then any backfill it left pending, a month at a time.
    For a freshly seeded or imported database, so dashboards are right on the first view."""
    now = now or timezone.now()
    result = rollup_refresh(now=now)
    rows = result["rows"]
    while (step := rollup_backfill_step(now=now, days=31))["pending"] or "rows" in step:
        rows += step.get("rows", 0)
        if not step["pending"]:
            break
    return {**result, "rows": rows}
