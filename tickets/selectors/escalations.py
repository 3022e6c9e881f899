"""What the Escalations page and endpoint read."""

from __future__ import annotations

from django.db.models import BooleanField, Case, F, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone

from ..models import Escalation, Ticket

ESCALATION_RELATED = ("ticket", "team", "raised_by", "acknowledged_by", "resolved_by")
ESCALATION_STATES = {"open": "Open", "resolved": "Resolved"}
# The open list's orders (the table's sortable columns); every one keeps missed
# acknowledgement deadlines first.
ESCALATION_SORTS = {
    "ack": ("ack_pending", F("ack_due_at").asc(nulls_last=True), "-level", "created_at"),
    "level": ("-level", F("ack_due_at").asc(nulls_last=True), "created_at"),
    "raised": ("-created_at",),
    "ticket": ("ticket_id",),
}


def escalations_visible_to(user) -> QuerySet[Escalation]:
    """Escalations of tickets the user can see (the one ticket scope decides)."""
    return Escalation.objects.filter(ticket__in=Ticket.objects.visible_to(user))


def escalation_list(
    *, user, state: str = "open", limit: int = 200, sort: str = "ack"
) -> list[Escalation]:
    """The Escalations page: open ones with the missed acknowledgement deadlines first (then
    by `sort`: the nearest acknowledgement due, the highest level, the newest, the ticket);
    or the latest resolved. Each open row carries `ack_overdue`."""
    qs = escalations_visible_to(user).select_related(*ESCALATION_RELATED, "ticket__category")
    if state == "resolved":
        return list(qs.filter(resolved_at__isnull=False).order_by("-resolved_at", "-pk")[:limit])
    unacknowledged = Q(acknowledged_at__isnull=True, ack_due_at__isnull=False)
    qs = qs.filter(resolved_at__isnull=True).annotate(
        ack_overdue=Case(
            When(unacknowledged & Q(ack_due_at__lt=timezone.now()), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        ),
        ack_pending=Case(
            When(unacknowledged, then=Value(0)), default=Value(1), output_field=IntegerField()
        ),
    )
    order = ESCALATION_SORTS.get(sort, ESCALATION_SORTS["ack"])
    return list(qs.order_by(F("ack_overdue").desc(), *order, "pk")[:limit])
