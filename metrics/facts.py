"""Per-ticket metric values computed from ticket timestamps, messages and TicketEvents.

`compute_facts` is a pure function of its inputs (no queries), so it can be tested on
hand-built data; `facts_for_tickets` loads what it needs for many tickets in three queries.
The formulas are stated in metrics.definitions; keep the two in step.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from tickets.models import Message, Ticket, TicketEvent

S = Ticket.Status


@dataclass(frozen=True)
class Reply:
    """A public message on a ticket; `by_agent` if an agent wrote it."""

    at: datetime
    by_agent: bool
    automated: bool = False


@dataclass(frozen=True)
class StatusChange:
    at: datetime
    old: str
    new: str


@dataclass
class TicketFacts:
    """What the metrics know about one ticket; durations in calendar minutes (None = no value)."""

    ticket_id: int
    first_reply_at: datetime | None = None
    first_reply_minutes: float | None = None
    first_solved_at: datetime | None = None
    first_resolution_minutes: float | None = None
    latest_solved_at: datetime | None = None
    full_resolution_minutes: float | None = None
    solved: bool = False
    reopens: int = 0
    agent_replies: int = 0
    one_touch: bool = False
    minutes_in: dict[str, float] = field(default_factory=dict)

    @property
    def requester_wait_minutes(self) -> float:
        return sum(self.minutes_in.get(s, 0.0) for s in (S.NEW, S.OPEN, S.ON_HOLD))

    @property
    def agent_wait_minutes(self) -> float:
        return self.minutes_in.get(S.PENDING, 0.0)

    @property
    def on_hold_minutes(self) -> float:
        return self.minutes_in.get(S.ON_HOLD, 0.0)

    @property
    def agent_work_minutes(self) -> float:
        return sum(self.minutes_in.get(s, 0.0) for s in (S.NEW, S.OPEN))


def _minutes(start: datetime, end: datetime) -> float:
    return (end - start).total_seconds() / 60


def compute_facts(
    *,
    ticket_id: int,
    created_at: datetime,
    status: str,
    reopen_count: int,
    solved_at: datetime | None,
    replies: Sequence[Reply],
    changes: Sequence[StatusChange],
    now: datetime,
) -> TicketFacts:
    """Every per-ticket metric from the ticket's own data, as the definitions state them."""
    facts = TicketFacts(ticket_id=ticket_id, reopens=reopen_count)
    replies = sorted(replies, key=lambda r: r.at)
    changes = sorted(changes, key=lambda c: c.at)

    # First reply: the opening comment by an agent does not count as a reply.
    agent_replies = [r for r in replies if r.by_agent and not r.automated]
    opened_by_agent = bool(replies) and replies[0].by_agent and replies[0].at <= created_at
    counted = agent_replies[1:] if opened_by_agent else agent_replies
    facts.agent_replies = len(counted)
    if counted:
        facts.first_reply_at = counted[0].at
        facts.first_reply_minutes = _minutes(created_at, counted[0].at)

    # Resolution from the status events.
    solves = [c.at for c in changes if c.new == S.SOLVED]
    done = status in Ticket.DONE
    if not solves and solved_at is not None and done:
        solves = [solved_at]
    if solves:
        facts.first_solved_at = solves[0]
        facts.first_resolution_minutes = _minutes(created_at, solves[0])
    if done and solves:
        facts.solved = True
        facts.latest_solved_at = solves[-1]
        facts.full_resolution_minutes = _minutes(created_at, solves[-1])
        facts.one_touch = facts.agent_replies <= 1

    # Time in each status, walking the status events from creation.
    current, since = S.NEW, created_at
    minutes_in: dict[str, float] = defaultdict(float)
    for change in changes:
        if current not in Ticket.DONE:
            minutes_in[current] += max(0.0, _minutes(since, change.at))
        current, since = change.new, change.at
    if current not in Ticket.DONE:
        minutes_in[current] += max(0.0, _minutes(since, now))
    facts.minutes_in = dict(minutes_in)

    return facts


TICKET_FIELDS = (
    "pk",
    "created_at",
    "status",
    "reopen_count",
    "solved_at",
    "assignee_id",
    "team_id",
    "category_id",
    "channel",
)


def facts_for_tickets(
    ticket_rows: Iterable[dict], *, now: datetime
) -> list[tuple[dict, TicketFacts]]:
    """Facts for ticket rows (dicts with TICKET_FIELDS); two extra queries for all of them."""
    rows = list(ticket_rows)
    ids = [r["pk"] for r in rows]
    replies: dict[int, list[Reply]] = defaultdict(list)
    for tid, at, author_user, automated in (
        Message.objects.filter(ticket_id__in=ids, kind=Message.Kind.PUBLIC)
        .order_by()
        .values_list("ticket_id", "created_at", "author_user_id", "is_automated")
    ):
        replies[tid].append(Reply(at, author_user is not None, automated))
    changes: dict[int, list[StatusChange]] = defaultdict(list)
    for tid, at, old, new in (
        TicketEvent.objects.filter(ticket_id__in=ids, field="status")
        .exclude(kind="created")
        .order_by()
        .values_list("ticket_id", "created_at", "old", "new")
    ):
        changes[tid].append(StatusChange(at, old, new))
    out = []
    for r in rows:
        facts = compute_facts(
            ticket_id=r["pk"],
            created_at=r["created_at"],
            status=r["status"],
            reopen_count=r["reopen_count"],
            solved_at=r["solved_at"],
            replies=replies[r["pk"]],
            changes=changes[r["pk"]],
            now=now,
        )
        out.append((r, facts))
    return out


def ticket_facts(ticket: Ticket, *, now: datetime) -> TicketFacts:
    """Facts of one ticket (for tests and the ticket's metrics panel)."""
    row = {f: getattr(ticket, f) for f in TICKET_FIELDS}
    return facts_for_tickets([row], now=now)[0][1]
