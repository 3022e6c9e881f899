"""What the queue page reads: its views, the rows of one view, the views' counts and the
user's saved views."""

from __future__ import annotations

from django.core.cache import cache
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from teams.permissions import scope_for

from ..caches import SAVED_VIEWS
from ..models import SavedView, Ticket

QUEUE_VIEWS = {
    "mine": "My tickets",
    "team": "Team queue",
    "unassigned": "Unassigned",
    "escalations": "Escalations",
    "all": "All visible",
}
ESCALATED_TAG = "escalated"


def escalated_q(now) -> Q:
    """The Escalations queue: unsolved tickets tagged "escalated" (by a person or the SLA
    sweep), or urgent ones whose SLA due time has passed."""
    tagged = Q(
        pk__in=Ticket.tags.through.objects.filter(tag__name=ESCALATED_TAG).values("ticket_id")
    )
    return Q(status__in=Ticket.UNSOLVED) & (
        tagged | Q(priority=Ticket.Priority.URGENT, due_at__lt=now)
    )


def _view_q(view: str, user, now) -> Q:
    if view == "escalations":
        return escalated_q(now)
    if view == "all":
        return Q()
    unsolved = Q(status__in=Ticket.UNSOLVED)
    if view == "mine":
        return unsolved & Q(assignee=user)
    if view == "unassigned":
        return unsolved & Q(assignee__isnull=True)
    if view == "team":
        return unsolved
    raise KeyError(view)


def ticket_list_for_queue(*, user, view: str = "mine") -> QuerySet[Ticket]:
    """The visible tickets of one queue view with what the list shows joined in (unordered:
    tickets.pagination orders and pages it)."""
    return (
        _queue_view(Ticket.objects.visible_to(user), user=user, view=view)
        .select_related("requester", "category", "assignee")
        .only(*QUEUE_ROW_FIELDS)
    )


def ticket_parts_for_queue(*, user, view: str = "mine") -> list[QuerySet]:
    """The same list as ticket_list_for_queue in disjoint parts that each follow an index
    (TicketQuerySet.visible_parts), for tickets.pagination.paginate to merge; read as dicts
    of QUEUE_ROW_VALUES (what a row shows and the sort keys), not as four model objects a
    row."""
    return [
        _queue_view(part, user=user, view=view).values(*QUEUE_ROW_VALUES)
        for part in Ticket.objects.visible_parts(user)
    ]


def queue_statement_key(*, user, view: str):
    """What the SQL of a queue view's unfiltered first page depends on (for
    tickets.pagination.paginate's reuse): the viewer's access scope and the view. None for
    the escalations view, whose statement holds the current time."""
    if view not in QUEUE_VIEWS or view == "escalations":
        return None
    return ("queue", view, scope_for(user))


def _queue_view(visible: QuerySet[Ticket], *, user, view: str) -> QuerySet[Ticket]:
    if view not in QUEUE_VIEWS:
        view = "mine"
    return visible.filter(_view_q(view, user, timezone.now()))


# What a queue row shows and the sort keys (tickets.pagination): a page is 50 rows of four
# models each, so the columns nobody reads are not fetched and turned into objects.
QUEUE_ROW_FIELDS = (
    "subject",
    "priority",
    "status",
    "due_at",
    "created_at",
    "updated_at",
    "team_id",
    "requester__name",
    "category__name",
    "category__sensitivity",
    "assignee__first_name",
    "assignee__last_name",
)
QUEUE_ROW_VALUES = ("pk", "assignee_id", *QUEUE_ROW_FIELDS)


# "All visible" spans a team's whole history (hundreds of thousands of tickets at scale):
# it is counted up to this many and shown as "1000+" beyond (queue.html).
ALL_COUNT_CAP = 1000
# The team-wide counts read the whole unsolved backlog of the user's teams (13,000+ tickets a
# team in `make bench`: 80 ms) and move with everyone's work, so each user's are kept this
# many seconds; "Mine" is counted on every call, so a claim or a hand-over shows at once.
QUEUE_COUNTS_SECONDS = 30


def queue_counts(*, user) -> dict[str, int]:
    """How many tickets each queue view holds (and how many are breached). "Mine" is exact
    and current (an index on assignee); the others are at most QUEUE_COUNTS_SECONDS old and
    come from two queries whose cost does not grow with the solved history: the unsolved
    views from the unsolved tickets (index on team, status), and "all" counted up to
    ALL_COUNT_CAP + 1."""
    now = timezone.now()
    visible = Ticket.objects.visible_to(user)
    key = f"tickets:queue-counts:{user.pk}"
    kept = cache.get(key)
    if kept is not None and 0 <= now.timestamp() - kept[0] < QUEUE_COUNTS_SECONDS:
        counts = kept[1]
    else:
        aggregates = {
            view: Count("pk", filter=_view_q(view, user, now))
            for view in QUEUE_VIEWS
            if view not in ("mine", "all")
        }
        aggregates["breached"] = Count("pk", filter=Q(due_at__lt=now))
        counts = visible.filter(status__in=Ticket.UNSOLVED).aggregate(**aggregates)
        counts["all"] = visible.order_by()[: ALL_COUNT_CAP + 1].count()
        cache.set(key, (now.timestamp(), counts), QUEUE_COUNTS_SECONDS)
    mine = Ticket.objects.visible_assigned_to(user).filter(_view_q("mine", user, now))
    return {"mine": mine.count(), **counts}


def saved_views_for(*, user) -> list[dict]:
    """The user's saved queue views (pk, name, query) by name, kept in the cache until one of
    them is written (tickets.caches.SAVED_VIEWS)."""
    key = SAVED_VIEWS.key(user.pk)
    views = cache.get(key)
    if views is None:
        views = list(SavedView.objects.filter(user=user).values("pk", "name", "query"))
        cache.set(key, views, 3600)
    return views
