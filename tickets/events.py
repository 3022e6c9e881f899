"""Writing the append-only TicketEvent log."""

from django.utils import timezone

from .models import Ticket, TicketEvent


def record(
    ticket: Ticket, actor, kind: str, field: str = "", old="", new="", at=None
) -> TicketEvent:
    return TicketEvent.objects.create(
        ticket=ticket,
        actor=actor if getattr(actor, "pk", None) else None,
        created_at=at or timezone.now(),
        kind=kind,
        field=field,
        old="" if old is None else str(old),
        new="" if new is None else str(new),
    )
