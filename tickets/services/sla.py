"""SLA clocks of a ticket: which policy applies, and each target's start, pause, due and stop.

`sla_sync` derives the wanted state from the ticket's own fields and brings its TicketSLA rows
in line, so every service calls it after a change that matters (create, reply, requester reply,
status, priority, category, team):

- first reply: from creation until `first_reply_at` (only for tickets opened by the requester).
- next reply (Zendesk semantics): starts at the oldest public requester comment not yet answered
  and stops at the next public agent reply — an agent reply always stops it.
- resolution: from creation until solved; paused while pending or on hold; a reopen resumes it
  (the solved stretch counts as paused).
Solving stops every clock. Ticket.due_at becomes the earliest due time of the running targets.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from ..business_time import BusinessCalendar, add_business_minutes, business_minutes_between
from ..models import Ticket, TicketSLA
from .outbox import outbox_add, outbox_handler
from .sla_targets import Targets, sla_batch, targets_for, team_calendar

Kind = TicketSLA.Kind


class Clock:
    """Adds and measures minutes in business or calendar time."""

    def __init__(self, calendar: BusinessCalendar, business: bool):
        self.calendar = calendar
        self.business = business and not calendar.always_open

    def add(self, start: datetime, minutes: float) -> datetime:
        if self.business:
            return add_business_minutes(self.calendar, start, minutes)
        return start + timedelta(minutes=minutes)

    def between(self, start: datetime, end: datetime) -> float:
        if end <= start:
            return 0.0
        if self.business:
            return business_minutes_between(self.calendar, start, end)
        return (end - start).total_seconds() / 60


def _set_due(row: TicketSLA, clock: Clock, share: float) -> None:
    row.due_at = clock.add(row.started_at, row.target_minutes + row.paused_minutes)
    row.at_risk_at = clock.add(row.started_at, row.target_minutes * share + row.paused_minutes)


def _stop(row: TicketSLA, at: datetime) -> None:
    row.stopped_at = at
    if row.paused_at is not None:
        row.paused_at = None
    row.met = row.breached_at is None and (row.due_at is None or at <= row.due_at)


def _start(ticket, kind, started_at, targets: Targets, clock: Clock) -> TicketSLA:
    row = TicketSLA(
        ticket=ticket,
        policy=targets.policy,
        kind=kind,
        target_minutes=targets.minutes[kind],
        business_time=clock.business,
        started_at=started_at,
    )
    _set_due(row, clock, targets.at_risk_share)
    return row


def _next_reply_waiting(ticket: Ticket) -> bool:
    asked = ticket.last_requester_reply_at
    if asked is None or (ticket.last_public_reply_at and ticket.last_public_reply_at >= asked):
        return False
    return ticket.first_reply_at is not None or asked > ticket.created_at


def sla_sync(
    ticket: Ticket, now: datetime | None = None, *, redue: bool = False
) -> datetime | None:
    """Bring the ticket's SLA rows in line with its state and store Ticket.due_at; returns it.
    Call inside the transaction of the change, after the ticket's fields are set; `redue`
    recomputes running due times even when the targets are unchanged (the calendar changed)."""
    now = now or timezone.now()
    targets = targets_for(ticket)
    clock = Clock(team_calendar(ticket.team_id, now), targets.business_time)
    rows = {r.kind: r for r in TicketSLA.objects.filter(ticket=ticket, stopped_at__isnull=True)}
    done = ticket.status in Ticket.DONE
    changed: list[TicketSLA] = []
    created: list[TicketSLA] = []

    # A target whose policy no longer asks for it is dropped (never met, never breached) —
    # unless it already breached: that stays on record, stopped and missed.
    for kind in list(rows):
        if kind not in targets.minutes:
            row = rows.pop(kind)
            if row.breached_at is None:
                row.delete()
            else:
                _stop(row, now)
                row.save()

    # Retarget running rows when the policy or its minutes changed (priority, category …).
    for row in rows.values():
        minutes = targets.minutes[row.kind]
        if redue or (row.policy_id, row.target_minutes, row.business_time) != (
            getattr(targets.policy, "pk", None),
            minutes,
            clock.business,
        ):
            row.policy, row.target_minutes, row.business_time = (
                targets.policy,
                minutes,
                clock.business,
            )
            if row.paused_at is None:
                _set_due(row, clock, targets.at_risk_share)
            changed.append(row)

    # First reply.
    first = rows.get(Kind.FIRST_REPLY)
    if first is not None and (ticket.first_reply_at or done):
        _stop(first, ticket.first_reply_at or ticket.solved_at or now)
        changed.append(first)
    elif (
        first is None
        and Kind.FIRST_REPLY in targets.minutes
        and not done
        and ticket.first_reply_at is None
        and ticket.last_requester_reply_at is not None
        and not TicketSLA.objects.filter(ticket=ticket, kind=Kind.FIRST_REPLY).exists()
        and ticket.messages.filter(author_user__isnull=True).exists()
    ):
        created.append(_start(ticket, Kind.FIRST_REPLY, ticket.created_at, targets, clock))
    first_running = any(r.kind == Kind.FIRST_REPLY for r in created) or (
        first is not None and first.stopped_at is None
    )

    # Next reply: the oldest unanswered requester comment starts it; an agent reply stops it.
    nxt = rows.get(Kind.NEXT_REPLY)
    if nxt is not None and (
        done or (ticket.last_public_reply_at and ticket.last_public_reply_at >= nxt.started_at)
    ):
        stop_at = ticket.last_public_reply_at
        if stop_at is None or stop_at < nxt.started_at:
            stop_at = ticket.solved_at or now
        _stop(nxt, stop_at)
        changed.append(nxt)
        nxt = None
    if (
        nxt is None
        and Kind.NEXT_REPLY in targets.minutes
        and not done
        and not first_running
        and _next_reply_waiting(ticket)
    ):
        oldest = (
            ticket.messages.filter(
                kind="public",
                author_user__isnull=True,
                created_at__gt=ticket.last_public_reply_at or ticket.created_at,
            )
            .order_by("created_at")
            .values_list("created_at", flat=True)
            .first()
        ) or ticket.last_requester_reply_at
        created.append(_start(ticket, Kind.NEXT_REPLY, oldest, targets, clock))

    # Resolution: paused while pending/on hold, stopped when solved, resumed on reopen.
    res = rows.get(Kind.RESOLUTION)
    if Kind.RESOLUTION in targets.minutes:
        if res is None and not done:
            last = (
                TicketSLA.objects.filter(ticket=ticket, kind=Kind.RESOLUTION)
                .order_by("-started_at", "-pk")
                .first()
            )
            # Reopened: resume the same target, solved time paused. None runs (`res` is None),
            # so the last one has stopped.
            if last is not None and last.stopped_at is not None:
                last.paused_minutes += clock.between(last.stopped_at, now)
                last.stopped_at = None
                last.met = None
                last.policy, last.target_minutes = targets.policy, targets.minutes[Kind.RESOLUTION]
                _set_due(last, clock, targets.at_risk_share)
                res = last
                changed.append(last)
            else:
                res = _start(ticket, Kind.RESOLUTION, ticket.created_at, targets, clock)
                created.append(res)
        if res is not None and res.stopped_at is None:
            if done:
                _stop(res, ticket.solved_at or now)
                changed.append(res)
            elif ticket.status in targets.pause_statuses and res.paused_at is None:
                res.paused_at = now
                changed.append(res)
            elif ticket.status not in targets.pause_statuses and res.paused_at is not None:
                res.paused_minutes += clock.between(res.paused_at, now)
                res.paused_at = None
                _set_due(res, clock, targets.at_risk_share)
                changed.append(res)

    for row in {id(r): r for r in changed}.values():
        if row.pk:
            row.save()
    for row in created:
        row.save()

    running = TicketSLA.objects.filter(
        ticket=ticket, stopped_at__isnull=True, paused_at__isnull=True
    ).values_list("due_at", flat=True)
    due = min((d for d in running if d is not None), default=None)
    if ticket.due_at != due:
        ticket.due_at = due
        Ticket.objects.filter(pk=ticket.pk).update(due_at=due)
    return due


def _sync_each(pending, now: datetime, batch: int) -> int:
    """sla_sync the tickets of `pending` in batches by id, one transaction per batch (not per
    ticket): a long run never holds locks for long, and one interrupted and run again redoes
    at most the batch it was in (sla_sync of a synced ticket changes nothing)."""
    synced, after = 0, 0
    with sla_batch():
        while ids := list(pending.filter(pk__gt=after).values_list("pk", flat=True)[:batch]):
            tickets = Ticket.objects.filter(pk__in=ids).select_related("category").order_by("pk")
            with transaction.atomic():
                for ticket in tickets:
                    sla_sync(ticket, now)
                    synced += 1
            after = ids[-1]
    return synced


def sla_backfill(*, now: datetime | None = None, batch: int = 500) -> int:
    """Start SLA records for unsolved tickets that have none (seeded or imported history).
    Returns how many tickets were synced."""
    now = now or timezone.now()
    return _sync_each(
        Ticket.objects.unsolved().filter(slas__isnull=True).order_by("pk"), now, batch
    )


def sla_resync_unsolved(*, now: datetime | None = None, batch: int = 500) -> int:
    """Recompute the SLA targets and due times of every unsolved ticket, after an SLA policy
    changed (its minutes, conditions or order decide which targets apply). Targets already
    stopped keep their outcome; a running target that already breached keeps its breach.
    Returns how many tickets were synced."""
    now = now or timezone.now()
    return _sync_each(Ticket.objects.unsolved().order_by("pk"), now, batch)


def sla_resync_later(*, ticket_ids: list[int]) -> None:
    """Recompute these tickets' SLA targets after commit, in the worker, through the outbox
    (the sweep's priority bump: a higher priority may fall under another policy)."""
    outbox_add(task="sla.resync_tickets", payload={"ids": list(ticket_ids)})


@outbox_handler("sla.resync_tickets")
def _resync_tickets(payload: dict) -> None:
    pending = Ticket.objects.unsolved().filter(pk__in=payload["ids"]).order_by("pk")
    _sync_each(pending, timezone.now(), batch=500)


def sla_policies_changed() -> None:
    """An SLA policy was created, edited or deleted: resync unsolved tickets after commit, in
    the worker, through the outbox (a broker outage loses nothing)."""
    outbox_add(task="sla.resync", payload={})


@outbox_handler("sla.resync", queue="bulk")
def _resync(payload: dict) -> None:
    sla_resync_unsolved()
