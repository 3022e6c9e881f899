"""The ticket's life after creation: replies, notes, status, assignment, claiming, fields,
tags, merging, and the audit of who looked at restricted content."""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Case, F, Value, When
from django.utils import timezone

from teams.models import Agent, AuditEntry, Sensitivity
from teams.selectors import agent_can_take_work
from teams.services import audit_record

from .. import events, lifecycle
from ..lifecycle import TransitionError
from ..models import Attachment, Message, Requester, Ticket, TicketEvent, TicketLink
from ..sanitize import clean_html, html_to_text, markdown_to_html
from ._base import ensure_cleared, lock, reply_due, save
from .csat import csat_schedule_survey
from .intake import attachment_add, ticket_create
from .notify import notify_assigned
from .routing import ticket_return_to_owner

STATUS_FIELDS = ["status", "solved_at", "closed_at", "reopen_count", "due_at"]


def apply_status(ticket: Ticket, by, new: str, now) -> None:
    """Move `ticket` (in memory) to `new` through the lifecycle table and record the event."""
    old = ticket.status
    lifecycle.check(old, new)
    if lifecycle.is_reopen(old, new):
        ticket.reopen_count += 1
        ticket.due_at = reply_due(ticket, now) if new == Ticket.Status.OPEN else None
    if new == Ticket.Status.SOLVED:
        ticket.solved_at = now
        ticket.due_at = None
        csat_schedule_survey(ticket=ticket)
    if new == Ticket.Status.CLOSED:
        ticket.closed_at = now
        ticket.due_at = None
    ticket.status = new
    events.record(ticket, by, "status", "status", old, new, at=now)


def _add_files(ticket, message, by, files) -> None:
    for name, data in files or ():
        attachment_add(ticket=ticket, message=message, name=name, data=data, by=by)


@transaction.atomic
def ticket_reply(
    *,
    ticket: Ticket,
    by,
    body: str,
    version: int | None = None,
    status: str | None = None,
    files=(),
) -> Message:
    """An agent's public reply (Markdown), emailed to the requester after commit.

    Stops the first/next reply clocks; a new ticket becomes open unless `status` says
    otherwise; an unassigned ticket goes to the replying agent. Raises StaleVersionError
    when `version` is stale and TransitionError on a closed ticket or an illegal status.
    """
    ticket = lock(ticket, version)
    if ticket.status == Ticket.Status.CLOSED:
        raise TransitionError(
            "This ticket is closed; the requester's next message opens a follow-up."
        )
    if not body.strip():
        raise ValidationError("A reply needs some text.")
    now = timezone.now()
    message = _agent_message(ticket, by, body, Message.Kind.PUBLIC, files, now)
    fields = ["last_public_reply_at", "due_at"]
    ticket.last_public_reply_at = now
    if ticket.first_reply_at is None:
        ticket.first_reply_at = now
        fields.append("first_reply_at")
    ticket.due_at = None  # nothing waits on us until the requester writes again
    events.record(ticket, by, "reply", "message", "", message.pk, at=now)
    new_status = status or (Ticket.Status.OPEN if ticket.status == Ticket.Status.NEW else None)
    if new_status and new_status != ticket.status:
        apply_status(ticket, by, new_status, now)
        fields += STATUS_FIELDS
        ticket.due_at = None  # a reopen starts no clock: we just answered
    if ticket.assignee_id is None and by is not None:
        ticket.assignee = by
        events.record(ticket, by, "assign", "assignee", "", by.pk, at=now)
        fields.append("assignee")
    save(ticket, fields)
    _record_exposure(by, ticket, now)
    transaction.on_commit(lambda: _send_reply_email(message.pk))
    return message


def _agent_message(ticket: Ticket, by, body: str, kind: str, files, now) -> Message:
    """An agent's Markdown message (reply or note) with its attachments, sanitized once."""
    body_html = markdown_to_html(body)
    message = Message.objects.create(
        ticket=ticket,
        kind=kind,
        author_user=by,
        body_html=body_html,
        body_text=html_to_text(body_html),
        channel=Ticket.Channel.AGENT,
        created_at=now,
    )
    _add_files(ticket, message, by, files)
    return message


def _send_reply_email(message_id: int) -> None:
    from ..tasks import message_send_email

    message_send_email.delay(message_id)


@transaction.atomic
def ticket_add_note(
    *, ticket: Ticket, by, body: str, version: int | None = None, files=()
) -> Message:
    """An internal note: never sent to the requester, never stops an SLA clock."""
    ticket = lock(ticket, version)
    if not body.strip():
        raise ValidationError("A note needs some text.")
    now = timezone.now()
    message = _agent_message(ticket, by, body, Message.Kind.INTERNAL, files, now)
    events.record(ticket, by, "note", "message", "", message.pk, at=now)
    save(ticket, [])
    return message


@transaction.atomic
def ticket_change_status(*, ticket: Ticket, by, status: str, version: int | None = None) -> Ticket:
    """Move the ticket along the lifecycle table; an illegal move raises TransitionError."""
    ticket = lock(ticket, version)
    if status not in Ticket.Status.values:
        raise TransitionError(f"Unknown status {status!r}.")
    if status == ticket.status:
        return ticket
    now = timezone.now()
    apply_status(ticket, by, status, now)
    fields = list(STATUS_FIELDS)
    if status == Ticket.Status.OPEN and ticket_return_to_owner(ticket=ticket, now=now):
        fields.append("team")
    save(ticket, fields)
    return ticket


@transaction.atomic
def ticket_assign(*, ticket: Ticket, by, assignee, version: int | None = None) -> Ticket:
    """Give the ticket to `assignee` (or nobody). The assignee must be an active staff member
    cleared for the ticket's category; raises PermissionDenied otherwise."""
    ticket = lock(ticket, version)
    if assignee is not None:
        if not assignee.is_active or not (
            assignee.is_superuser or Agent.objects.filter(user=assignee).exists()
        ):
            raise PermissionDenied(f"{assignee} is not an active agent.")
        ensure_cleared(assignee, ticket.category)
    old = ticket.assignee_id
    new = assignee.pk if assignee else None
    if old == new:
        return ticket
    ticket.assignee = assignee
    events.record(ticket, by, "assign", "assignee", old or "", new or "")
    save(ticket, ["assignee"])
    notify_assigned(ticket=ticket, assignee=assignee, by=by)
    return ticket


@transaction.atomic
def ticket_requester_reply(
    *,
    ticket: Ticket,
    requester: Requester,
    body_html: str,
    channel: str = Ticket.Channel.EMAIL,
    files=(),
    **email,
) -> tuple[Ticket, Message]:
    """The requester wrote again. Solved → reopened; pending → open; closed → a new follow-up
    ticket linked to the closed one (nothing is lost).

    Returns the ticket that received the message (the follow-up when the original was closed).
    `files` are (name, bytes) pairs; refused files raise ValidationError.
    """
    ticket = lock(ticket)
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
            **email,
        )
        TicketLink.objects.create(source=follow_up, target=ticket, kind=TicketLink.Kind.FOLLOW_UP)
        events.record(follow_up, None, "link", "follow_up", "", ticket.pk, at=now)
        message = follow_up.messages.get()
        _add_files(follow_up, message, None, files)
        return follow_up, message
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
    _add_files(ticket, message, None, files)
    fields = ["last_requester_reply_at"]
    ticket.last_requester_reply_at = now
    if ticket.status in (Ticket.Status.SOLVED, Ticket.Status.PENDING):
        apply_status(ticket, None, Ticket.Status.OPEN, now)
        fields += STATUS_FIELDS
    if ticket.due_at is None:
        ticket.due_at = reply_due(ticket, now)
        fields.append("due_at")
    if ticket_return_to_owner(ticket=ticket, now=now):
        fields.append("team")
    events.record(ticket, None, "requester_reply", "message", "", message.pk, at=now)
    save(ticket, fields)
    return ticket, message


class ClaimRefused(Exception):
    """Get-next hands out nothing, for a reason the agent should read (presence, exposure cap)."""


def _exposure_state(agent: Agent, now) -> tuple[bool, bool]:
    """(may take sensitive work now, prefer non-sensitive after a sensitive claim)."""
    from teams.selectors import agent_may_take_sensitive, exposure_count

    from ..models import TeamServiceSettings

    service = TeamServiceSettings.objects.filter(team_id=agent.team_id).first()
    may = agent_may_take_sensitive(agent=agent, at=now)
    if may and service and service.exposure_cap_per_hour is not None:
        last_hour = exposure_count(user=agent.user, start=now - timedelta(hours=1), end=now)
        may = last_hour.get("total", 0) < service.exposure_cap_per_hour
    interleave = service.interleave_sensitive if service else True
    prefer_plain = False
    if interleave:
        last = (
            TicketEvent.objects.filter(actor=agent.user, kind="claim")
            .order_by("-created_at", "-pk")
            .values_list("ticket__category__sensitivity", flat=True)
            .first()
        )
        prefer_plain = last is not None and last != Sensitivity.NONE
    return may, prefer_plain


def ticket_claim_next(*, agent: Agent) -> Ticket | None:
    """Hand the agent the most urgent unassigned ticket they may take, or None.

    Their team's queue, their skills (category slugs) and languages, their clearance;
    ordered by due time, priority, age. Only agents who can take work (teams' presence:
    available, active) get anything — others get ClaimRefused with the reason. Exposure: past
    the team's cap (per shift, per hour) or after stepping out, only non-sensitive tickets are
    handed out (ClaimRefused suggesting a break when none waits); after a sensitive ticket a
    non-sensitive one is preferred when the team interleaves. Claiming a sensitive ticket is
    recorded in teams' exposure log. Atomic: the agent row is locked so one agent's
    concurrent claims respect capacity, and on PostgreSQL the ticket row is taken with
    SKIP LOCKED, so two agents never get the same ticket. None when at capacity.
    """
    with transaction.atomic():
        agent = Agent.objects.select_for_update().select_related("user").get(pk=agent.pk)
        if agent.status != Agent.Status.ACTIVE or not agent.user.is_active:
            return None
        if not agent_can_take_work(agent):
            raise ClaimRefused(
                f"You are {agent.get_presence_display().lower()}: set yourself Available "
                "to get the next ticket."
            )
        open_load = Ticket.objects.filter(assignee=agent.user).unsolved().count()
        if open_load >= agent.capacity:
            return None
        if agent.team_id is None:
            return None
        now = timezone.now()
        may_sensitive, prefer_plain = _exposure_state(agent, now)
        allowed = Sensitivity.allowed_for(agent.clearance)
        if not may_sensitive:
            allowed = [s for s in allowed if s == Sensitivity.NONE]
        qs = Ticket.objects.filter(
            assignee__isnull=True,
            status__in=(Ticket.Status.NEW, Ticket.Status.OPEN),
            category__sensitivity__in=allowed,
            team_id=agent.team_id,
        )
        if agent.skills:
            qs = qs.filter(category__slug__in=agent.skills)
        if agent.languages:
            qs = qs.filter(language__in=agent.languages)
        order = [F("due_at").asc(nulls_last=True), "-priority", "created_at", "pk"]
        if prefer_plain:
            plain_first = Case(
                When(category__sensitivity=Sensitivity.NONE, then=Value(0)), default=Value(1)
            )
            qs = qs.alias(plain_first=plain_first)
            order.insert(0, "plain_first")
        qs = qs.order_by(*order)
        if connection.features.has_select_for_update_skip_locked:
            qs = qs.select_for_update(skip_locked=True, of=("self",))
        ticket = qs.first()
        if ticket is None:
            if not may_sensitive:
                raise ClaimRefused(
                    "You have reached your sensitive-work cap (or stepped out of it): only "
                    "non-sensitive tickets are handed out and none is waiting. Time for a break?"
                )
            return None
        ticket.assignee = agent.user
        fields = ["assignee"]
        events.record(ticket, agent.user, "claim", "assignee", "", agent.user.pk, at=now)
        if ticket.status == Ticket.Status.NEW:
            apply_status(ticket, agent.user, Ticket.Status.OPEN, now)
            fields += STATUS_FIELDS
        save(ticket, fields)
        _record_exposure(agent.user, ticket, now)
        return ticket


def _record_exposure(user, ticket: Ticket, now) -> None:
    sensitivity = ticket.category.sensitivity
    if user is not None and sensitivity != Sensitivity.NONE:
        from teams.services import exposure_record

        exposure_record(user=user, ticket_id=ticket.pk, sensitivity=sensitivity, at=now)


def ticket_record_view(*, ticket: Ticket, by) -> bool:
    """Log that `by` opened a restricted-category ticket (every view is audited): in the
    audit trail and in the ticket's own history. True if logged. (Other views write nothing
    and open no transaction: this runs on every workspace page.)"""
    if ticket.category.sensitivity != Sensitivity.RESTRICTED:
        return False
    with transaction.atomic():
        events.record(ticket, by, "viewed")
        audit_record(
            actor=by,
            action=AuditEntry.Action.RESTRICTED_VIEW,
            target=ticket,
            detail={"category": ticket.category.slug},
        )
    return True


@transaction.atomic
def attachment_reveal(*, attachment: Attachment, by) -> None:
    """Log that `by` un-blurred a sensitive attachment (counts toward exposure): in the audit
    trail and in the ticket's own history."""
    events.record(attachment.ticket, by, "media_revealed", "attachment", "", attachment.pk)
    audit_record(
        actor=by,
        action=AuditEntry.Action.MEDIA_REVEAL,
        target=attachment.ticket,
        detail={
            "attachment": attachment.pk,
            "sensitivity": attachment.ticket.category.sensitivity,
        },
    )
