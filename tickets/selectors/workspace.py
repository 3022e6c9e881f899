"""What the ticket workspace reads: the ticket, its thread, history, links and the pickers'
choices, in a constant number of queries; and the visible ticket or attachment alone."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet

from teams.models import Sensitivity
from teams.permissions import scope_for, teams_for
from teams.selectors import revealed_attachment_ids

from ..choices import choices
from ..models import (
    Attachment,
    Escalation,
    LegalHold,
    Macro,
    Tag,
    Ticket,
    TicketEvent,
    TicketLink,
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


@dataclass(slots=True)
class HistoryEntry:
    """One event as the history shows it: its old and new values with assignee ids as names."""

    event: TicketEvent
    shown_old: str
    shown_new: str


@dataclass
class Workspace:
    """Everything the ticket workspace shows, read in a constant number of queries."""

    ticket: Ticket
    messages: list[ThreadMessage]
    events: list[HistoryEntry]
    links: list[tuple[str, Ticket]]
    other_tickets: list[Ticket]
    macros: tuple[tuple[int, str], ...]  # the pickers' (value, label) pairs: tickets.choices
    categories: tuple[tuple[str, str], ...]
    assignees: tuple[tuple[int, str], ...]
    attachments: list[Attachment] = field(default_factory=list)
    escalations: list[Escalation] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    legal_holds: list[LegalHold] = field(default_factory=list)  # in force: ticket's, requester's
    revealed: set[int] = field(default_factory=set)  # attachments whose original the viewer saw

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
    row says it has some (EXISTS in the same statement); so are legal holds in force on the
    ticket or its requester; on a sensitive ticket with files, those the viewer revealed."""
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
        macros=held.macros(ticket.team_id) + held.personal_macros(user.pk),
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
        legal_holds=list(
            LegalHold.objects.in_force()
            .covering(ticket)
            .select_related("owner")
            .order_by("placed_at", "pk")
        )
        if ticket.has_legal_hold
        else [],
        revealed=revealed_attachment_ids(user=user, attachment_ids=[a.pk for a in attachments])
        if attachments and ticket.category.safe_view
        else set(),
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


def _events_for_display(ticket: Ticket, known: dict[int, str] | None = None) -> list[HistoryEntry]:
    """The latest events, with assignee ids shown as names: `known` names by user id (the
    team's agents), the others read in one query."""
    events = list(
        ticket.events.select_related("actor").order_by("-created_at", "-pk")[:WORKSPACE_EVENTS]
    )
    ids = {int(v) for e in events if e.field == "assignee" for v in (e.old, e.new) if v.isdigit()}
    names = {i: known[i] for i in ids if known and i in known}
    if ids - names.keys():
        names |= {
            u.pk: u.get_full_name() or u.username
            for u in get_user_model().objects.filter(pk__in=ids - names.keys())
        }

    def shown(value: str) -> str:
        return names.get(int(value), value) if value.isdigit() else value

    return [
        HistoryEntry(e, shown(e.old), shown(e.new))
        if e.field == "assignee"
        else HistoryEntry(e, e.old, e.new)
        for e in events
    ]


_REVERSE_LABELS: dict[str, str] = {
    TicketLink.Kind.MERGE: "Merged from",
    TicketLink.Kind.FOLLOW_UP: "Followed up by",
    TicketLink.Kind.RELATED: "Related to",
}


def _reverse_label(kind: str) -> str:
    return _REVERSE_LABELS[kind]


def _sensitivities(user) -> list[str]:
    return scope_for(user).sensitivities


def attachment_get_visible(*, user, pk: int) -> Attachment:
    """An attachment of a visible ticket; raises Attachment.DoesNotExist otherwise."""
    return Attachment.objects.select_related("ticket__category").get(
        pk=pk, ticket__in=Ticket.objects.visible_to(user)
    )


def macros_for(*, user, ticket: Ticket) -> QuerySet[Macro]:
    """The macros `user` may use on `ticket`: shared by all teams, the ticket team's, and
    their own personal ones (never another person's)."""
    return Macro.objects.filter(
        Q(team__isnull=True, owner__isnull=True) | Q(team_id=ticket.team_id) | Q(owner=user),
        active=True,
    )


_REFERENCE = re.compile(r"^\s*(?:FL-?|#)?\s*(\d{1,18})\s*$", re.IGNORECASE)


def ticket_by_reference(*, user, text: str) -> Ticket | None:
    """The visible ticket named by "FL-123", "#123" or "123"; None if none in scope."""
    match = _REFERENCE.match(text or "")
    if not match:
        return None
    return Ticket.objects.visible_to(user).filter(pk=int(match.group(1))).first()


def macros_for_teams_of(*, user) -> QuerySet[Macro]:
    """Active macros for any of the teams `user` acts for (or for every team): the bulk bar's
    choices; each ticket is still checked against its own team when one is applied."""
    return Macro.objects.filter(
        Q(team__isnull=True) | Q(team__in=teams_for(user)), active=True
    ).order_by("title")


def legal_hold_in_force_for(*, ticket: Ticket, pk: int) -> LegalHold | None:
    """A hold in force on the ticket or on its requester (what its workspace may release)."""
    return LegalHold.objects.in_force().covering(ticket).filter(pk=pk).first()
