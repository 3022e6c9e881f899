"""Recomputing open tickets' SLA targets after a setting changed, without an escalation flood.

The SLA sweep escalates (level 1: escalation, priority bump, webhook, notifications) every
running target whose due time has passed and that it has not escalated yet, and warns on
those past their at-risk time. After a policy or a calendar changes, targets that are past
due (or at risk) *only because of the change* are recorded as the sweep would — breached at
their due time, missed, warned — but marked as already escalated, so no escalation, webhook or
notification follows. Targets that were already past due before the change keep their course.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import F
from django.db.models.functions import Coalesce
from django.utils import timezone

from ...models import Ticket, TicketSLA
from ..outbox import outbox_add, outbox_handler
from ..sla import sla_sync
from ..sla_targets import sla_batch

# The sweep's highest level: neither level 1 nor level 2 fires for a target marked so.
QUIET_LEVEL = 2


def _running(ticket_ids) -> dict[tuple[int, str], tuple[datetime | None, datetime | None]]:
    rows = TicketSLA.objects.filter(
        ticket_id__in=ticket_ids, stopped_at__isnull=True, paused_at__isnull=True
    ).values_list("ticket_id", "kind", "due_at", "at_risk_at")
    return {(t, k): (due, risk) for t, k, due, risk in rows}


def _silence(ticket_ids, before, now: datetime) -> int:
    """Mark the targets the change made past due (or at risk) as handled; returns how many
    became past due by the change."""
    after = TicketSLA.objects.filter(
        ticket_id__in=ticket_ids, stopped_at__isnull=True, paused_at__isnull=True
    )
    newly_due, newly_risk = [], []
    for pk, ticket_id, kind, due, risk, level, warned in after.values_list(
        "pk", "ticket_id", "kind", "due_at", "at_risk_at", "escalation_level", "warned_at"
    ):
        old_due, old_risk = before.get((ticket_id, kind), (None, None))
        if level == 0 and due is not None and due <= now and not (old_due and old_due <= now):
            newly_due.append(pk)
        elif (
            warned is None
            and risk is not None
            and risk <= now
            and not (old_risk and old_risk <= now)
        ):
            newly_risk.append(pk)
    if newly_due:
        TicketSLA.objects.filter(pk__in=newly_due).update(
            breached_at=F("due_at"),
            met=False,
            escalation_level=QUIET_LEVEL,
            warned_at=Coalesce(F("warned_at"), now),
        )
    if newly_risk:
        TicketSLA.objects.filter(pk__in=newly_risk).update(warned_at=now)
    return len(newly_due)


def sla_recompute_quietly(*, tickets=None, now: datetime | None = None, batch: int = 200) -> int:
    """Recompute the SLA targets of unsolved tickets (all, or those of the `tickets` queryset)
    in batches, each in its own transaction, silencing what the change made past due.
    Returns how many targets became past due by it (recorded as missed, not escalated)."""
    now = now or timezone.now()
    scope = tickets if tickets is not None else Ticket.objects.all()
    pending = scope.filter(status__in=Ticket.UNSOLVED).order_by("pk")
    silenced, after = 0, 0
    with sla_batch():
        while ids := list(pending.filter(pk__gt=after).values_list("pk", flat=True)[:batch]):
            with transaction.atomic():
                rows = Ticket.objects.select_for_update().filter(pk__in=ids).order_by("pk")
                before = _running(ids)
                for ticket in rows.select_related("category"):
                    sla_sync(ticket, now, redue=True)
                silenced += _silence(ids, before, now)
            after = ids[-1]
    return silenced


def sla_recompute_later(*, team_ids: list[int] | None = None) -> None:
    """Recompute quietly after commit, in the worker (through the outbox): every unsolved
    ticket, or only those of `team_ids` (a calendar changed)."""
    outbox_add(task="settings.sla_recompute", payload={"team_ids": team_ids})


@outbox_handler("settings.sla_recompute")
def _recompute(payload: dict) -> None:
    team_ids = payload.get("team_ids")
    tickets = Ticket.objects.filter(team_id__in=team_ids) if team_ids is not None else None
    sla_recompute_quietly(tickets=tickets)
