"""What a ticket write sets off, asked for by name: `ticket_changed`.

Every service that changed and saved a ticket (tickets.services._base.save) calls it in the
same transaction, so the consequences of a write are visible where the write is made:
the SLA clocks and due time are recomputed when a field that matters to them changed, and
the ticket.updated webhook event (ticket.solved when the write solved it) is recorded, and
a ticket moved into a sensitive or restricted category gets its images' safe derivatives.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..models import Ticket
from .safeview import attachments_make_safe
from .sla import sla_sync
from .webhooks import webhooks_emit

# Fields whose change may start, stop, pause or retarget an SLA clock.
SLA_FIELDS = frozenset(
    {
        "status",
        "priority",
        "category",
        "channel",
        "team",
        "custom_fields",
        "first_reply_at",
        "last_public_reply_at",
        "last_requester_reply_at",
        "due_at",
    }
)


def ticket_changed(*, ticket: Ticket, fields: Iterable[str]) -> None:
    """After `save(ticket, fields)`: sync the SLA clocks when an SLA field is among `fields`,
    then emit ticket.updated (ticket.solved when this write solved it) with the changed
    fields, and make the blurred derivatives of its images when its category changed to one
    that needs them. Call inside the write's transaction; the webhook POSTs go out after
    commit."""
    fields = set(fields)
    if "category" in fields:
        attachments_make_safe(ticket=ticket)
    if SLA_FIELDS.intersection(fields):
        sla_sync(ticket)
    solved = "status" in fields and ticket.status == Ticket.Status.SOLVED
    event = "ticket.solved" if solved else "ticket.updated"
    webhooks_emit(event=event, ticket=ticket, extra={"changed": sorted(fields)})
