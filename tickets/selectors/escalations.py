"""What the Escalations page and endpoint read."""

from __future__ import annotations

from django.db.models import F, QuerySet

from ..models import Escalation, Ticket

ESCALATION_RELATED = ("ticket", "team", "raised_by", "acknowledged_by", "resolved_by")
ESCALATION_STATES = {"open": "Open", "resolved": "Resolved"}


def escalations_visible_to(user) -> QuerySet[Escalation]:
    """Escalations of tickets the user can see (the one ticket scope decides)."""
    return Escalation.objects.filter(ticket__in=Ticket.objects.visible_to(user))


def escalation_list(*, user, state: str = "open", limit: int = 200) -> list[Escalation]:
    """The Escalations page: open ones, the missed acknowledgement deadlines and then the
    nearest first; or the latest resolved."""
    qs = escalations_visible_to(user).select_related(*ESCALATION_RELATED, "ticket__category")
    if state == "resolved":
        return list(qs.filter(resolved_at__isnull=False).order_by("-resolved_at", "-pk")[:limit])
    return list(
        qs.filter(resolved_at__isnull=True).order_by(
            F("ack_due_at").asc(nulls_last=True), "-level", "created_at", "pk"
        )[:limit]
    )
