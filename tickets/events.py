"""Writing the append-only TicketEvent log."""

from django.utils import timezone

from .models import Ticket, TicketEvent


def build(
    ticket: Ticket, actor, kind: str, field: str = "", old="", new="", at=None
) -> TicketEvent:
    """An unsaved event: write several at once with TicketEvent.objects.bulk_create."""
    return TicketEvent(
        ticket=ticket,
        actor=actor if getattr(actor, "pk", None) else None,
        created_at=at or timezone.now(),
        kind=kind,
        field=field,
        old="" if old is None else str(old),
        new="" if new is None else str(new),
    )


def record(
    ticket: Ticket, actor, kind: str, field: str = "", old="", new="", at=None
) -> TicketEvent:
    event = build(ticket, actor, kind, field, old, new, at)
    event.save(force_insert=True)
    return event
