"""Time-based automation of waiting tickets (Celery beat, `pending_automation_sweep`):

- a pending ticket whose requester has not answered for FRONTLINE["PENDING_REMINDER_DAYS"]
  gets one reminder email (per wait: a new agent reply or a new pending spell starts over);
- after FRONTLINE["PENDING_AUTO_SOLVE_DAYS"] without an answer it is solved — through the
  lifecycle table, with its TicketEvents and the usual solve side-effects (CSAT survey,
  ticket.solved webhook, SLA clocks);
- a solved ticket is closed FRONTLINE["SOLVED_AUTO_CLOSE_DAYS"] after its solve.

"Waiting since" is the later of the last move to pending (the status event) and the last
public agent reply. Candidates are chosen in one query per rule and locked (SKIP LOCKED on
PostgreSQL), so two sweeps at once never act twice; running the sweep again finds nothing.
A duration of 0 turns its rule off.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from .. import events
from ..mail.outbound import send_pending_reminder
from ..models import Ticket, TicketEvent
from ._base import save
from .changes import ticket_changed
from .outbox import outbox_add, outbox_handler
from .workflow import STATUS_FIELDS, apply_status

REMINDER = "pending_reminder"
AUTOMATION = "automation"


@dataclass
class AutomationResult:
    reminded: list[int] = field(default_factory=list)
    solved: list[int] = field(default_factory=list)
    closed: list[int] = field(default_factory=list)


def _days(name: str) -> float:
    return float(settings.FRONTLINE[name])


def waiting_since(qs):
    """Annotate pending tickets with `waiting_since` (see the module docstring)."""
    entered = (
        TicketEvent.objects.filter(ticket=OuterRef("pk"), field="status", new=Ticket.Status.PENDING)
        .order_by("-created_at", "-pk")
        .values("created_at")[:1]
    )
    qs = qs.annotate(entered_pending=Coalesce(Subquery(entered), "updated_at"))
    return qs.annotate(
        waiting_since=Greatest(
            "entered_pending", Coalesce("last_public_reply_at", "entered_pending")
        )
    )


def _locked(qs, limit: int) -> list[Ticket]:
    qs = qs.order_by("pk")
    if connection.features.has_select_for_update_skip_locked:
        qs = qs.select_for_update(skip_locked=True, of=("self",))
    return list(qs.select_related("category")[:limit])


def _remind(now: datetime, limit: int) -> list[int]:
    reminded_this_wait = TicketEvent.objects.filter(
        ticket=OuterRef("pk"), kind=REMINDER, created_at__gte=OuterRef("waiting_since")
    )
    qs = (
        waiting_since(Ticket.objects.filter(status=Ticket.Status.PENDING))
        .filter(waiting_since__lte=now - timedelta(days=_days("PENDING_REMINDER_DAYS")))
        .exclude(requester__email="")
        .filter(~Exists(reminded_this_wait))
    )
    solve_days = _days("PENDING_AUTO_SOLVE_DAYS")
    if solve_days:  # about to be solved anyway: no reminder the same minute
        qs = qs.filter(waiting_since__gt=now - timedelta(days=solve_days))
    tickets = _locked(qs, limit)
    if not tickets:
        return []
    TicketEvent.objects.bulk_create(
        TicketEvent(ticket=t, created_at=now, kind=REMINDER, field=AUTOMATION) for t in tickets
    )
    ids = [t.pk for t in tickets]
    outbox_add(task="tickets.pending_reminder", payload={"ids": ids})
    return ids


def _move(qs, new: str, rule: str, now: datetime, limit: int) -> list[int]:
    done = []
    for ticket in _locked(qs, limit):
        apply_status(ticket, None, new, now)
        events.record(ticket, None, AUTOMATION, "rule", "", rule, at=now)
        save(ticket, STATUS_FIELDS)
        ticket_changed(ticket=ticket, fields=STATUS_FIELDS)
        done.append(ticket.pk)
    return done


def pending_automation_sweep(*, now: datetime | None = None, limit: int = 500) -> AutomationResult:
    """Remind, auto-solve and auto-close as the module docstring says; idempotent."""
    now = now or timezone.now()
    result = AutomationResult()
    if _days("PENDING_REMINDER_DAYS"):
        with transaction.atomic():
            result.reminded = _remind(now, limit)
    if solve_days := _days("PENDING_AUTO_SOLVE_DAYS"):
        with transaction.atomic():
            stale = waiting_since(Ticket.objects.filter(status=Ticket.Status.PENDING)).filter(
                waiting_since__lte=now - timedelta(days=solve_days)
            )
            result.solved = _move(stale, Ticket.Status.SOLVED, "pending_auto_solve", now, limit)
    if close_days := _days("SOLVED_AUTO_CLOSE_DAYS"):
        with transaction.atomic():
            old = Ticket.objects.filter(
                Q(status=Ticket.Status.SOLVED),
                solved_at__lte=now - timedelta(days=close_days),
            )
            result.closed = _move(old, Ticket.Status.CLOSED, "solved_auto_close", now, limit)
    return result


@outbox_handler("tickets.pending_reminder", queue="mail")
def _send_reminders(payload: dict) -> None:
    """Email each reminder unless the requester answered (or the ticket moved) meanwhile."""
    solve_days = _days("PENDING_AUTO_SOLVE_DAYS")
    tickets = Ticket.objects.filter(pk__in=payload["ids"], status=Ticket.Status.PENDING)
    for ticket in waiting_since(tickets).select_related("requester"):
        solve_at = ticket.waiting_since + timedelta(days=solve_days) if solve_days else None
        send_pending_reminder(ticket, solve_at=solve_at)
