"""Reads for ticket pages and endpoints, scoped by `visible_to`."""

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from .models import Ticket

QUEUE_VIEWS = {
    "mine": "My tickets",
    "team": "Team queue",
    "unassigned": "Unassigned",
    "all": "All visible",
}


def ticket_list_for_queue(*, user, view: str = "mine") -> QuerySet[Ticket]:
    """The tickets of one queue view, most urgent first, with what the list shows joined in."""
    qs = Ticket.objects.visible_to(user).select_related("requester", "category", "team", "assignee")
    if view == "mine":
        qs = qs.filter(assignee=user).unsolved()
    elif view == "team":
        qs = qs.unsolved()
    elif view == "unassigned":
        qs = qs.unsolved().filter(assignee__isnull=True)
    return qs.order_by(F("due_at").asc(nulls_last=True), "-priority", "created_at", "pk")


def queue_counts(*, user) -> dict[str, int]:
    """How many tickets each queue view holds, in one query."""
    now = timezone.now()
    unsolved = Q(status__in=Ticket.UNSOLVED)
    agg = Ticket.objects.visible_to(user).aggregate(
        mine=Count("pk", filter=unsolved & Q(assignee=user)),
        team=Count("pk", filter=unsolved),
        unassigned=Count("pk", filter=unsolved & Q(assignee__isnull=True)),
        all=Count("pk"),
        breached=Count("pk", filter=unsolved & Q(due_at__lt=now)),
    )
    return agg


def ticket_detail(*, user, pk: int) -> Ticket:
    """One visible ticket with its thread; raises Ticket.DoesNotExist when out of scope."""
    return (
        Ticket.objects.visible_to(user)
        .select_related("requester", "category", "team", "assignee")
        .prefetch_related("messages__author_user", "messages__author_requester", "tags")
        .get(pk=pk)
    )
