"""Reads for ticket pages and endpoints, scoped by `visible_to`. Each page's reads run a
fixed number of queries whatever the number of rows or messages."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.core.cache import cache
from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from teams.models import Sensitivity

from .caches import SAVED_VIEWS
from .choices import choices
from .models import (
    Attachment,
    Escalation,
    Macro,
    Notification,
    SavedView,
    Tag,
    Ticket,
    TicketEvent,
    TicketLink,
    WebhookDelivery,
    WebhookEvent,
)

WORKSPACE_RELATED = ("requester", "category", "team", "assignee")
WORKSPACE_EVENTS = 100
# What the workspace (and the macro placeholders, the restricted-view audit) read of the
# ticket's related rows: the other columns of four joined tables are neither fetched nor
# compiled into the statement.
WORKSPACE_FIELDS = (
    *(f.name for f in Ticket._meta.concrete_fields),
    *(f"requester__{f}" for f in ("name", "email", "handle", "country", "locale")),
    *(f"category__{f}" for f in ("slug", "name", "sensitivity")),
    "team__name",
    *(f"assignee__{f}" for f in ("username", "first_name", "last_name")),
    "assignee__agent__user",
    "assignee__agent__team",
)


@dataclass(slots=True)
class ThreadMessage:
    """One message as the thread shows it (read as plain values: a page holds dozens)."""

    pk: int
    kind: str
    channel: str
    created_at: datetime
    body_html: str
    author_user_id: int | None
    author: str  # the agent's full name or username, the requester's name or email, "System"
    files: list[Attachment] = field(default_factory=list)


@dataclass
class Workspace:
    """Everything the ticket workspace shows, read in a constant number of queries."""

    ticket: Ticket
    messages: list[ThreadMessage]
    events: list[TicketEvent]
    links: list[tuple[str, Ticket]]
    other_tickets: list[Ticket]
    macros: tuple[tuple[int, str], ...]  # the pickers' (value, label) pairs: tickets.choices
    categories: tuple[tuple[str, str], ...]
    assignees: tuple[tuple[int, str], ...]
    attachments: list[Attachment] = field(default_factory=list)
    escalations: list[Escalation] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)

    @property
    def sensitive(self) -> bool:
        return self.ticket.category.sensitivity != Sensitivity.NONE


def ticket_get_visible(*, user, pk: int) -> Ticket:
    """One visible ticket; raises Ticket.DoesNotExist when it does not exist or is out of scope."""
    return Ticket.objects.visible_to(user).select_related(*WORKSPACE_RELATED).get(pk=pk)


def ticket_workspace(*, user, pk: int) -> Workspace:
    """The ticket with its thread, attachments, history, links, the requester's other tickets
    and the pickers' choices. Raises Ticket.DoesNotExist when out of scope. Attachments, links,
    open escalations and tags, which most tickets lack, are read only when the ticket's own
    row says it has some (EXISTS in the same statement)."""
    ticket = (
        Ticket.objects.visible_to(user)
        .select_related(*WORKSPACE_RELATED, "assignee__agent")
        .only(*WORKSPACE_FIELDS)
        .with_related_flags()
        .get(pk=pk)
    )
    attachments = list(ticket.attachments.order_by("pk")) if ticket.has_attachments else []
    by_message: dict[int | None, list[Attachment]] = {}
    for a in attachments:
        by_message.setdefault(a.message_id, []).append(a)
    messages = [
        ThreadMessage(pk, kind, channel, created_at, body_html, user_id,
                      _author(user_id, first, last, username, requester_id, name, email),
                      by_message.get(pk, []))  # fmt: skip
        for pk, kind, channel, created_at, body_html, user_id, first, last, username,
        requester_id, name, email in ticket.messages.values_list(
            "pk", "kind", "channel", "created_at", "body_html", "author_user_id",
            "author_user__first_name", "author_user__last_name", "author_user__username",
            "author_requester_id", "author_requester__name", "author_requester__email",
        )
    ]  # fmt: skip
    held = choices()
    assignees = (
        held.assignees(ticket.team_id, ticket.category.sensitivity) if ticket.team_id else ()
    )
    return Workspace(
        ticket=ticket,
        messages=messages,
        events=_events_for_display(ticket, known=dict(assignees)),
        links=_links(ticket) if ticket.has_links else [],
        other_tickets=list(
            Ticket.objects.visible_to(user)
            .filter(requester_id=ticket.requester_id)
            .exclude(pk=ticket.pk)
            .only("pk", "subject", "status", "created_at")
            .order_by("-created_at")[:10]
        ),
        macros=held.macros(ticket.team_id),
        categories=held.categories(_sensitivities(user)),
        assignees=assignees,
        attachments=attachments,
        escalations=list(  # each one's ticket is this one (the related manager sets it)
            ticket.escalations.filter(resolved_at__isnull=True).select_related(
                "team", "raised_by", "acknowledged_by"
            )
        )
        if ticket.has_open_escalations
        else [],
        tags=list(Tag.objects.filter(tickets=ticket).values_list("name", flat=True))
        if ticket.has_tags
        else [],
    )


def _author(user_id, first, last, username, requester_id, name, email) -> str:
    """As the thread names a message's author: the agent (User.get_full_name, else the
    username), else the requester (name, else email), else the system."""
    if user_id is not None:
        return f"{first} {last}".strip() or username
    if requester_id is not None:
        return name or email
    return "System"


def _links(ticket: Ticket) -> list[tuple[str, Ticket]]:
    """Links of the ticket both ways in one query, links out first."""
    links_both_ways = TicketLink.objects.filter(Q(source=ticket) | Q(target=ticket))
    return [
        (link.get_kind_display(), link.target)
        if link.source_id == ticket.pk
        else (_reverse_label(link.kind), link.source)
        for link in sorted(
            links_both_ways.select_related("source", "target"),
            key=lambda link: (link.source_id != ticket.pk, link.pk),
        )
    ]


def _events_for_display(ticket: Ticket, known: dict[int, str] | None = None) -> list[TicketEvent]:
    """The latest events, with assignee ids shown as names: `known` names by user id (the
    team's agents), the others read in one query."""
    events = list(
        ticket.events.select_related("actor").order_by("-created_at", "-pk")[:WORKSPACE_EVENTS]
    )
    ids = {int(v) for e in events if e.field == "assignee" for v in (e.old, e.new) if v.isdigit()}
    names = {i: known[i] for i in ids if known and i in known}
    if ids - names.keys():
        from django.contrib.auth import get_user_model

        names |= {
            u.pk: u.get_full_name() or u.username
            for u in get_user_model().objects.filter(pk__in=ids - names.keys())
        }
    for e in events:
        e.shown_old, e.shown_new = e.old, e.new
        if e.field == "assignee":
            e.shown_old = names.get(int(e.old), e.old) if e.old.isdigit() else e.old
            e.shown_new = names.get(int(e.new), e.new) if e.new.isdigit() else e.new
    return events


def _reverse_label(kind: str) -> str:
    return {
        TicketLink.Kind.MERGE: "Merged from",
        TicketLink.Kind.FOLLOW_UP: "Followed up by",
        TicketLink.Kind.RELATED: "Related to",
    }[kind]


def _sensitivities(user) -> list[str]:
    from teams.permissions import scope_for

    return scope_for(user).sensitivities


def attachment_get_visible(*, user, pk: int) -> Attachment:
    """An attachment of a visible ticket; raises Attachment.DoesNotExist otherwise."""
    return Attachment.objects.select_related("ticket__category").get(
        pk=pk, ticket__in=Ticket.objects.visible_to(user)
    )


def macros_for(*, user, ticket: Ticket) -> QuerySet[Macro]:
    return Macro.objects.filter(Q(team__isnull=True) | Q(team_id=ticket.team_id), active=True)


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
    from teams.permissions import scope_for

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


# Escalations and notifications ---------------------------------------------------------------

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


UNREAD_CAP = 100  # the badge shows "99+" beyond; counting stops there
UNREAD_TTL = 15 * 60


def unread_cache_key(user_id: int) -> str:
    return f"tickets:unread-notifications:{user_id}"


def notifications_unread_count(*, user) -> int:
    """The user's unread in-app notices (up to UNREAD_CAP) for the nav badge. Kept in the
    cache, written through by every write to notices (services.notify) and at sign-in, so a
    page reads it without a query; when missing, one COUNT on the (user, read_at) index."""
    key = unread_cache_key(user.pk)
    count = cache.get(key)
    if count is None:
        count = Notification.objects.filter(user=user, read_at__isnull=True)[:UNREAD_CAP].count()
        cache.add(key, count, UNREAD_TTL)  # never over a count a writer has just set
    return count


def notifications_unread_counts(*, user_ids) -> dict[int, int]:
    """Unread notices per user (capped), in one grouped COUNT on the (user, read_at) index."""
    ids = set(user_ids)
    rows = (
        Notification.objects.filter(user_id__in=ids, read_at__isnull=True)
        .values("user_id")
        .annotate(n=Count("pk"))
        .values_list("user_id", "n")
    )
    counts = {u: min(n, UNREAD_CAP) for u, n in rows}
    return {u: counts.get(u, 0) for u in ids}


def notifications_for(*, user, limit: int = 100) -> list[Notification]:
    """The user's latest in-app notices, unread first."""
    return list(
        Notification.objects.filter(user=user)
        .select_related("ticket")
        .order_by(F("read_at").asc(nulls_first=True), "-created_at", "-pk")[:limit]
    )


def webhook_deliveries_for(
    *, user, endpoint: str = "", event: str = "", status: str = ""
) -> QuerySet[WebhookDelivery]:
    """The delivery log an admin filters by endpoint, event and status (others: empty)."""
    from .permissions import webhook_deliveries_visible_to

    qs = webhook_deliveries_visible_to(user).select_related("endpoint")
    if endpoint.isdigit():
        qs = qs.filter(endpoint_id=int(endpoint))
    if event in WebhookEvent.values:
        qs = qs.filter(event=event)
    if status in WebhookDelivery.Status.values:
        qs = qs.filter(status=status)
    return qs.defer("payload").order_by("-created_at", "-pk")


def webhook_delivery_detail(*, user, pk: int) -> WebhookDelivery:
    """One delivery with its attempts, for an admin; DoesNotExist for anyone else."""
    from .permissions import webhook_deliveries_visible_to

    return (
        webhook_deliveries_visible_to(user)
        .select_related("endpoint")
        .prefetch_related("log")
        .get(pk=pk)
    )
