"""SLA targets for imported tickets, at their history's times: what the SLA clocks would have
recorded had the tickets been worked in Frontline under today's policies (tickets.services.sla's
targets_for, team calendars and Clock). First reply and resolution targets start at creation
and stop at the first reply and the solve, met or breached against their due times; targets
still running are breached when their due time has passed, and a resolution target of a
ticket left pending or on hold is paused since the last reply. Next-reply targets are not
rebuilt: an export does not say when the requester wrote again."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.utils import timezone

from ...models import Ticket, TicketSLA
from ..sla import Clock
from ..sla_targets import PAUSED_STATUSES, Targets, sla_batch, targets_for, team_calendar

Kind = TicketSLA.Kind
CHUNK = 2000


def _row(ticket: Ticket, kind: str, targets: Targets, clock: Clock, now: datetime) -> TicketSLA:
    minutes = targets.minutes[kind]
    start = ticket.created_at
    due = clock.add(start, minutes)
    row = TicketSLA(
        ticket=ticket,
        policy=targets.policy,
        kind=kind,
        target_minutes=minutes,
        business_time=clock.business,
        started_at=start,
        due_at=due,
        at_risk_at=clock.add(start, minutes * targets.at_risk_share),
    )
    done = ticket.status in Ticket.DONE
    if kind == Kind.FIRST_REPLY:
        stop = ticket.first_reply_at or (ticket.solved_at if done else None)
    else:
        stop = ticket.solved_at if done else None
    if stop is not None:
        row.stopped_at = stop
        row.met = stop <= due
        row.breached_at = None if row.met else due
    elif kind == Kind.RESOLUTION and ticket.status in PAUSED_STATUSES:
        row.paused_at = max(ticket.last_public_reply_at or start, start)
        if row.paused_at > due:
            row.breached_at = due
    elif due <= now:
        row.breached_at = due
    return row


def sla_history(ticket_ids: Iterable[int], *, now: datetime | None = None) -> int:
    """Replace the SLA targets of these (imported) tickets with the ones their history earns
    and set their due time; returns how many targets were written."""
    now = now or timezone.now()
    ids = list(ticket_ids)
    written = 0
    with sla_batch():
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start : start + CHUNK]
            TicketSLA.objects.filter(ticket_id__in=chunk).delete()
            rows, due = [], []
            for ticket in Ticket.objects.filter(pk__in=chunk).select_related("category"):
                targets = targets_for(ticket)
                clock = Clock(team_calendar(ticket.team_id, ticket.created_at), targets.business_time)  # fmt: skip
                mine = [
                    _row(ticket, kind, targets, clock, now)
                    for kind in (Kind.FIRST_REPLY, Kind.RESOLUTION)
                    if kind in targets.minutes
                ]
                rows += mine
                running = [
                    r.due_at
                    for r in mine
                    if r.due_at is not None and r.stopped_at is None and r.paused_at is None
                ]
                ticket.due_at = min(running) if running and ticket.status not in Ticket.DONE else None  # fmt: skip
                due.append(ticket)
            TicketSLA.objects.bulk_create(rows, batch_size=CHUNK)
            Ticket.objects.bulk_update(due, ["due_at"], batch_size=CHUNK)
            written += len(rows)
    return written
