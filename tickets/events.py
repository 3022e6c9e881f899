"""Writing the append-only TicketEvent log."""

from django.db import DEFAULT_DB_ALIAS, connections
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


COLUMNS = ("ticket_id", "actor_id", "created_at", "kind", "field", "old", "new")


def write(rows: list[TicketEvent], using: str = DEFAULT_DB_ALIAS) -> None:
    """Write events made with `build` in one INSERT (hot paths such as get-next: bulk_create
    costs more CPU to compile than the insert costs to run). Ids are not read back."""
    if not rows:
        return
    db = connections[using]
    at = db.ops.adapt_datetimefield_value
    quote = db.ops.quote_name
    values = ", ".join([f"({', '.join(['%s'] * len(COLUMNS))})"] * len(rows))
    sql = (
        f"INSERT INTO {quote(TicketEvent._meta.db_table)} "  # noqa: S608 - names from the model
        f"({', '.join(quote(c) for c in COLUMNS)}) VALUES {values}"
    )
    params = [
        v
        for e in rows
        for v in (e.ticket_id, e.actor_id, at(e.created_at), e.kind, e.field, e.old, e.new)
    ]
    with db.cursor() as cursor:
        cursor.execute(sql, params)
