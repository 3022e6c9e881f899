"""Emitting webhook events: in the change's transaction, one WebhookDelivery row per
subscribed endpoint and one outbox message that queues the delivery tasks after commit."""

from __future__ import annotations

import json
import uuid

from django.utils import timezone

from core.effects import enqueue

from ...models import Ticket, WebhookDelivery
from ..outbox import outbox_add, outbox_handler
from .signing import body_bytes
from .subscribers import _subscribers

DELIVER = "tickets.tasks.webhook_deliver"


def ticket_data(ticket: Ticket) -> dict:
    """The ticket as receivers see it (requester included: erasure rewrites `payload`)."""
    requester = ticket.requester
    return {
        "id": ticket.pk,
        "reference": ticket.reference,
        "subject": ticket.subject,
        "status": ticket.status,
        "priority": Ticket.Priority(ticket.priority).name.lower(),
        "channel": ticket.channel,
        "language": ticket.language,
        "category": ticket.category.slug,
        "team_id": ticket.team_id,
        "assignee_id": ticket.assignee_id,
        "created_at": ticket.created_at,
        "updated_at": ticket.updated_at,
        "solved_at": ticket.solved_at,
        "closed_at": ticket.closed_at,
        "requester": {"id": requester.pk, "email": requester.email, "name": requester.name},
    }


def _record(
    *, event: str, tickets, endpoints: list[int], extra: dict | None, now
) -> list[WebhookDelivery]:
    """One event per ticket (its id shared by that ticket's deliveries), a delivery per
    subscribed endpoint, written together; the POSTs are handed to the outbox after commit."""
    deliveries = []
    for ticket in tickets:
        event_id = str(uuid.uuid4())
        payload = json.loads(
            body_bytes(
                {
                    "id": event_id,
                    "event": event,
                    "created_at": now,
                    "data": {"ticket": ticket_data(ticket), **(extra or {})},
                }
            )
        )
        deliveries += [
            WebhookDelivery(
                endpoint_id=e,
                event=event,
                event_id=event_id,
                ticket_id=ticket.pk,
                payload=payload,
                created_at=now,
                next_attempt_at=now,
            )
            for e in endpoints
        ]
    deliveries = WebhookDelivery.objects.bulk_create(deliveries)
    ids = [d.pk for d in deliveries if d.pk] or list(
        WebhookDelivery.objects.filter(event_id__in={d.event_id for d in deliveries})
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for start in range(0, len(ids), 500):
        outbox_add(task="webhooks.dispatch", payload={"ids": ids[start : start + 500]})
    return deliveries


def webhooks_emit(
    *, event: str, ticket: Ticket, extra: dict | None = None, now=None
) -> list[WebhookDelivery]:
    """Record `event` about `ticket` for every subscribed endpoint, in the caller's
    transaction; the POSTs go out after commit. One event id is shared by its deliveries."""
    endpoints = _subscribers(event)
    if not endpoints:
        return []
    return _record(
        event=event, tickets=[ticket], endpoints=endpoints, extra=extra, now=now or timezone.now()
    )


def webhooks_emit_for_ids(*, event: str, ticket_ids, extra: dict | None = None, now=None) -> int:
    """The set-based form (e.g. the SLA sweep's escalations): one event per ticket id, the
    subscribers read once and every delivery written in one statement."""
    endpoints = _subscribers(event) if ticket_ids else []
    if not endpoints:
        return 0
    tickets = (
        Ticket.objects.filter(pk__in=ticket_ids)
        .select_related("category", "requester")
        .order_by("pk")
    )
    return len(
        _record(
            event=event,
            tickets=tickets,
            endpoints=endpoints,
            extra=extra,
            now=now or timezone.now(),
        )
    )


@outbox_handler("webhooks.dispatch")
def _dispatch(payload: dict) -> None:
    for pk in payload["ids"]:
        enqueue(DELIVER, args=(pk,))
