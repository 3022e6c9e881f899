"""Every ticket write that has a rule: one function per use case, one transaction each.

Each function records TicketEvents for what it changed. Callers catch TransitionError,
StaleVersionError and PermissionDenied and turn them into 4xx responses.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from teams.models import Agent, Sensitivity

from . import events, lifecycle
from .lifecycle import TransitionError
from .models import Category, Message, Requester, Ticket, TicketLink
from .sanitize import html_to_text, markdown_to_html

__all__ = [
    "StaleVersionError",
    "TransitionError",
    "ticket_add_note",
    "ticket_assign",
    "ticket_change_status",
    "ticket_claim_next",
    "ticket_create",
    "ticket_reply",
    "ticket_requester_reply",
]


class StaleVersionError(Exception):
    """The ticket changed since the caller read it; carries the current ticket."""

    def __init__(self, ticket: Ticket):
        super().__init__(
            f"{ticket.reference} was changed by someone else (now version {ticket.version})."
        )
        self.ticket = ticket


def _lock(ticket: Ticket, expected_version: int | None = None) -> Ticket:
    """Re-read the ticket under a row lock; refuse if the caller's version is stale."""
    fresh = Ticket.objects.select_for_update().get(pk=ticket.pk)
    if expected_version is not None and fresh.version != expected_version:
        raise StaleVersionError(fresh)
    return fresh


def _save(ticket: Ticket, fields: list[str]) -> None:
    ticket.version += 1
    ticket.save(update_fields=[*fields, "version", "updated_at"])


def _first_reply_due(ticket: Ticket):
    minutes = settings.FRONTLINE["DEFAULT_FIRST_REPLY_MINUTES"].get(int(ticket.priority), 8 * 60)
    return ticket.created_at + timedelta(minutes=minutes)


def requester_get_or_create(*, email: str, name: str = "", **extra) -> Requester:
    """Find the requester by email (case-insensitive) or create them."""
    email = email.strip()
    existing = Requester.objects.filter(email__iexact=email).first()
    if existing:
        return existing
    return Requester.objects.create(email=email.lower(), name=name, **extra)


@transaction.atomic
def ticket_create(
    *,
    subject: str,
    body: str,
    requester: Requester,
    category: Category,
    channel: str = Ticket.Channel.WEB,
    priority: int = Ticket.Priority.NORMAL,
    team=None,
    language: str = "en",
    by=None,
    body_is_html: bool = False,
    email_message_id: str = "",
    created_at=None,
) -> Ticket:
    """Open a ticket with its first message (from the requester, or from `by` on their behalf)."""
    from .sanitize import clean_html

    now = created_at or timezone.now()
    ticket = Ticket(
        subject=subject.strip()[:250] or "(no subject)",
        requester=requester,
        category=category,
        channel=channel,
        priority=priority,
        team=team,
        language=language,
        created_at=now,
        last_requester_reply_at=None if by else now,
    )
    ticket.due_at = _first_reply_due(ticket)
    ticket.save()
    body_html = clean_html(body) if body_is_html else markdown_to_html(body)
    Message.objects.create(
        ticket=ticket,
        kind=Message.Kind.PUBLIC,
        author_user=by,
        author_requester=None if by else requester,
        body_html=body_html,
        body_text=html_to_text(body_html),
        channel=channel,
        created_at=now,
        email_message_id=email_message_id,
    )
    events.record(ticket, by, "created", "status", "", ticket.status, at=now)
    return ticket


@transaction.atomic
def ticket_reply(
    *, ticket: Ticket, by, body: str, version: int | None = None, status: str | None = None
) -> Message:
    """An agent's public reply. Stops the first/next reply clocks; may set a status too."""
    ticket = _lock(ticket, version)
    if ticket.status == Ticket.Status.CLOSED:
        raise TransitionError("This ticket is closed; open a follow-up instead.")
    now = timezone.now()
    body_html = markdown_to_html(body)
    message = Message.objects.create(
        ticket=ticket,
        kind=Message.Kind.PUBLIC,
        author_user=by,
        body_html=body_html,
        body_text=html_to_text(body_html),
        channel=Ticket.Channel.AGENT,
        created_at=now,
    )
    fields = ["last_public_reply_at", "due_at"]
    ticket.last_public_reply_at = now
    if ticket.first_reply_at is None:
        ticket.first_reply_at = now
        fields.append("first_reply_at")
    ticket.due_at = None  # nothing waits on us until the requester writes again
    events.record(ticket, by, "reply", at=now)
    new_status = status or (Ticket.Status.OPEN if ticket.status == Ticket.Status.NEW else None)
    if new_status and new_status != ticket.status:
        _apply_status(ticket, by, new_status, now)
        fields += ["status", "solved_at", "closed_at", "reopen_count"]
    if ticket.assignee_id is None and by is not None:
        ticket.assignee = by
        events.record(ticket, by, "assign", "assignee", "", by.pk, at=now)
        fields.append("assignee")
    _save(ticket, fields)
    transaction.on_commit(lambda: _send_reply_email(message.pk))
    return message


def _send_reply_email(message_id: int) -> None:
    from .tasks import message_send_email

    message_send_email.delay(message_id)


@transaction.atomic
def ticket_add_note(*, ticket: Ticket, by, body: str) -> Message:
    """An internal note: never sent to the requester, never stops an SLA clock."""
    now = timezone.now()
    body_html = markdown_to_html(body)
    message = Message.objects.create(
        ticket=ticket,
        kind=Message.Kind.INTERNAL,
        author_user=by,
        body_html=body_html,
        body_text=html_to_text(body_html),
        channel=Ticket.Channel.AGENT,
        created_at=now,
    )
    events.record(ticket, by, "note", at=now)
    return message


def _apply_status(ticket: Ticket, by, new: str, now) -> None:
    old = ticket.status
    lifecycle.check(old, new)
    if lifecycle.is_reopen(old, new):
        ticket.reopen_count += 1
        ticket.solved_at = ticket.solved_at  # keep the first solve time for metrics via events
    if new == Ticket.Status.SOLVED:
        ticket.solved_at = now
        ticket.due_at = None
    if new == Ticket.Status.CLOSED:
        ticket.closed_at = now
    ticket.status = new
    events.record(ticket, by, "status", "status", old, new, at=now)


@transaction.atomic
def ticket_change_status(*, ticket: Ticket, by, status: str, version: int | None = None) -> Ticket:
    """Move the ticket along the lifecycle table; an illegal move raises TransitionError."""
    ticket = _lock(ticket, version)
    if status == ticket.status:
        return ticket
    _apply_status(ticket, by, status, timezone.now())
    _save(ticket, ["status", "solved_at", "closed_at", "reopen_count", "due_at"])
    return ticket


@transaction.atomic
def ticket_assign(*, ticket: Ticket, by, assignee, version: int | None = None) -> Ticket:
    """Give the ticket to `assignee` (or nobody); they must be cleared for its category."""
    ticket = _lock(ticket, version)
    if assignee is not None:
        agent = Agent.objects.filter(user=assignee).first()
        clearance = agent.clearance if agent else Sensitivity.NONE
        if assignee.is_superuser:
            clearance = Sensitivity.RESTRICTED
        if ticket.category.sensitivity not in Sensitivity.allowed_for(clearance):
            raise PermissionDenied(f"{assignee} is not cleared for {ticket.category.name} tickets.")
    old = ticket.assignee_id
    ticket.assignee = assignee
    events.record(ticket, by, "assign", "assignee", old or "", assignee.pk if assignee else "")
    _save(ticket, ["assignee"])
    return ticket


@transaction.atomic
def ticket_requester_reply(
    *,
    ticket: Ticket,
    requester: Requester,
    body_html: str,
    channel: str = Ticket.Channel.EMAIL,
    **email,
) -> tuple[Ticket, Message]:
    """The requester wrote again. Solved → reopened; closed → a new follow-up ticket linked back.

    Returns the ticket that received the message (the follow-up when the original was closed).
    """
    ticket = _lock(ticket)
    now = timezone.now()
    if ticket.status == Ticket.Status.CLOSED:
        follow_up = ticket_create(
            subject=ticket.subject,
            body=body_html,
            body_is_html=True,
            requester=requester,
            category=ticket.category,
            channel=channel,
            priority=ticket.priority,
            team=ticket.team,
            language=ticket.language,
            email_message_id=email.get("email_message_id", ""),
        )
        TicketLink.objects.create(source=follow_up, target=ticket, kind=TicketLink.Kind.FOLLOW_UP)
        events.record(follow_up, None, "link", "follow_up", "", ticket.pk, at=now)
        return follow_up, follow_up.messages.first()
    from .sanitize import clean_html

    clean = clean_html(body_html)
    message = Message.objects.create(
        ticket=ticket,
        kind=Message.Kind.PUBLIC,
        author_requester=requester,
        body_html=clean,
        body_text=html_to_text(clean),
        channel=channel,
        created_at=now,
        **email,
    )
    fields = ["last_requester_reply_at"]
    ticket.last_requester_reply_at = now
    if ticket.status in (Ticket.Status.SOLVED, Ticket.Status.PENDING):
        _apply_status(ticket, None, Ticket.Status.OPEN, now)
        fields += ["status", "reopen_count", "solved_at"]
    if ticket.due_at is None:
        ticket.due_at = now + timedelta(
            minutes=settings.FRONTLINE["DEFAULT_FIRST_REPLY_MINUTES"].get(int(ticket.priority), 480)
        )
        fields.append("due_at")
    events.record(ticket, None, "requester_reply", at=now)
    _save(ticket, fields)
    return ticket, message


def ticket_claim_next(*, agent: Agent) -> Ticket | None:
    """Hand the agent the most urgent unassigned ticket they may take, or None.

    Their team's queue, their skills and languages, their clearance; ordered by due time,
    priority, age. Atomic: on PostgreSQL the row is locked with SKIP LOCKED, so two agents
    never get the same ticket. Refuses (None) when the agent is at capacity.
    """
    with transaction.atomic():
        open_load = Ticket.objects.filter(assignee=agent.user).unsolved().count()
        if open_load >= agent.capacity:
            return None
        qs = Ticket.objects.filter(
            assignee__isnull=True,
            status__in=(Ticket.Status.NEW, Ticket.Status.OPEN),
            category__sensitivity__in=Sensitivity.allowed_for(agent.clearance),
        )
        if agent.team_id:
            qs = qs.filter(team_id=agent.team_id)
        if agent.skills:
            qs = qs.filter(category__slug__in=agent.skills)
        if agent.languages:
            qs = qs.filter(language__in=agent.languages)
        qs = qs.order_by(F("due_at").asc(nulls_last=True), "-priority", "created_at")
        if connection.features.has_select_for_update_skip_locked:
            qs = qs.select_for_update(skip_locked=True, of=("self",))
        ticket = qs.first()
        if ticket is None:
            return None
        now = timezone.now()
        ticket.assignee = agent.user
        fields = ["assignee"]
        events.record(ticket, agent.user, "claim", "assignee", "", agent.user.pk, at=now)
        if ticket.status == Ticket.Status.NEW:
            _apply_status(ticket, agent.user, Ticket.Status.OPEN, now)
            fields.append("status")
        _save(ticket, fields)
        return ticket
