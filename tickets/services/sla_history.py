"""SLA targets of a ticket whose history is already known (seeded demo tickets, imported
history): the rows `sla_sync` would have left had it watched the ticket live, with the sweep
running every minute — targets, due and at-risk times from the same policy match and team
calendar (tickets.services.sla), stopped where the history stops them, breached at their due
time when they ran past it.

`sla_history_rows` is pure apart from reading the policies and calendars (once per
`sla_batch()`), so a seeder or an importer builds the rows of thousands of tickets in memory
and writes them with one bulk insert.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from ..models import Ticket, TicketSLA
from .sla import Clock, _start, _stop
from .sla_targets import PAUSED_STATUSES, targets_for, team_calendar

Kind = TicketSLA.Kind


@dataclass(frozen=True)
class SLAHistory:
    """What happened to a ticket, as far as its SLA clocks care.

    `turns` are the requester's public comments after the first reply, each with the agent
    reply that answered it (None while unanswered). `paused_since` is when the ticket last
    went pending / on hold, for a ticket in one of those statuses now.
    """

    opened_by_requester: bool = True
    turns: Sequence[tuple[datetime, datetime | None]] = ()
    paused_since: datetime | None = None


def _outcome(row: TicketSLA, stop: datetime | None, now: datetime) -> None:
    """Stop the row at `stop` (or leave it running at `now`), as the sweep would have seen it:
    warned once at its at-risk time, breached (and escalated once) at its due time."""
    end = stop or row.paused_at or now
    if row.at_risk_at is not None and row.at_risk_at <= end:
        row.warned_at = row.at_risk_at
    if row.due_at is not None and row.due_at < end:
        row.breached_at = row.due_at
        row.met = False
        row.escalation_level = 1
    if stop is not None:
        _stop(row, stop)


def sla_history_rows(ticket: Ticket, history: SLAHistory, *, now: datetime) -> list[TicketSLA]:
    """The TicketSLA rows (unsaved) of a saved ticket with this history, and sets (does not
    save) ticket.due_at to the earliest due time of its running targets. Call inside
    `sla_batch()` when building many."""
    targets = targets_for(ticket)
    clock = Clock(team_calendar(ticket.team_id, now), targets.business_time)
    done = ticket.status in Ticket.DONE
    solved = ticket.solved_at if done else None
    rows: list[TicketSLA] = []

    first_running = False
    if Kind.FIRST_REPLY in targets.minutes and history.opened_by_requester:
        row = _start(ticket, Kind.FIRST_REPLY, ticket.created_at, targets, clock)
        stop = ticket.first_reply_at or solved
        _outcome(row, stop, now)
        first_running = stop is None
        rows.append(row)

    if Kind.NEXT_REPLY in targets.minutes and not first_running:
        for asked, answered in history.turns:
            row = _start(ticket, Kind.NEXT_REPLY, asked, targets, clock)
            stop = answered or solved
            _outcome(row, stop, now)
            rows.append(row)
            if stop is None:
                break  # one running next-reply target at a time

    if Kind.RESOLUTION in targets.minutes:
        row = _start(ticket, Kind.RESOLUTION, ticket.created_at, targets, clock)
        if not done and ticket.status in PAUSED_STATUSES:
            row.paused_at = history.paused_since or now
        _outcome(row, solved, now)
        rows.append(row)

    running = [r.due_at for r in rows if r.stopped_at is None and r.paused_at is None]
    ticket.due_at = min((d for d in running if d is not None), default=None)
    return rows
