"""The ticket's life after creation: replies, notes, status, assignment, and the audit of who
looked at restricted content. Claiming ("get next ticket") lives in claim.py."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from core.effects import after_commit
from teams.models import Agent, AuditEntry, Sensitivity
from teams.permissions import can_override_exposure
from teams.selectors import ExposureDecision
from teams.services import audit_record

from .. import events, lifecycle
from ..lifecycle import TransitionError
from ..mail.sanitize import clean_html, html_to_text, markdown_to_html
from ..models import Attachment, Message, Requester, Ticket, TicketLink
from ._base import (
    ExposureRefused,
    assignment_decision,
    ensure_cleared,
    lock,
    record_exposure,
    reply_due,
    save,
)
from .changes import ticket_changed
from .csat import csat_schedule_survey
from .intake import attachment_add, ticket_create
from .notify import notifications_create, notify_assigned, ticket_label
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
    ticket_changed(ticket=ticket, fields=fields)
    record_exposure(by, ticket, now)
    after_commit("tickets.tasks.message_send_email", args=(message.pk,))
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
    ticket_changed(ticket=ticket, fields=[])
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
    ticket_changed(ticket=ticket, fields=fields)
    return ticket


@transaction.atomic
def ticket_assign(
    *, ticket: Ticket, by, assignee, version: int | None = None, override_reason: str = ""
) -> Ticket:
    """Give the ticket to `assignee` (or nobody). The assignee must be an active staff member
    cleared for the ticket's category; raises PermissionDenied otherwise.

    The exposure rule get-next applies holds here too (assignment_decision): a sensitive or
    restricted ticket is refused while the assignee stepped out or an exposure cap is reached
    (PermissionDenied saying which). A lead, manager or admin over the assignee's team may
    override that refusal with `override_reason` — never a missing clearance; the override is
    recorded as a TicketEvent and in the audit trail, and the assignee is told in the app.
    """
    ticket = lock(ticket, version)
    agent = None
    if assignee is not None:
        agent = Agent.objects.select_related("team").filter(user=assignee).first()
        if not assignee.is_active or not (assignee.is_superuser or agent is not None):
            raise PermissionDenied(f"{assignee} is not an active agent.")
        ensure_cleared(assignee, ticket.category)
    old = ticket.assignee_id
    new = assignee.pk if assignee else None
    if old == new:
        return ticket
    now = timezone.now()
    override = ""
    if agent is not None:
        decision = assignment_decision(agent=agent, ticket=ticket, at=now)
        if not decision:
            override = _exposure_override_reason(by, assignee, agent, decision, override_reason)
    ticket.assignee = assignee
    events.record(ticket, by, "assign", "assignee", old or "", new or "", at=now)
    if override:
        _record_exposure_override(ticket, by, assignee, decision.reason, override, now)
    save(ticket, ["assignee"])
    ticket_changed(ticket=ticket, fields=["assignee"])
    notify_assigned(ticket=ticket, assignee=assignee, by=by)
    return ticket


def _exposure_override_reason(
    by, assignee, agent: Agent, decision: ExposureDecision, reason: str
) -> str:
    """The lead's reason for handing `agent` work the exposure rule refuses, or raise
    PermissionDenied with the rule's reason (and, to a lead, how to override)."""
    who = assignee.get_full_name() or assignee.get_username()
    refused = f"{who} cannot be handed this ticket: {decision.reason}."
    if not decision.overridable or by is None or not can_override_exposure(by, agent):
        raise ExposureRefused(refused)
    reason = reason.strip()
    if not reason:
        raise ExposureRefused(f"{refused} Give an override reason to assign it anyway.")
    return reason


def _record_exposure_override(ticket: Ticket, by, assignee, rule: str, reason: str, now) -> None:
    """The trail of a lead's override: a TicketEvent, an audit entry and a notice to the
    assignee saying why they were handed it."""
    events.record(ticket, by, "exposure_override", "assignee", rule, reason, at=now)
    audit_record(
        actor=by,
        action=AuditEntry.Action.EXPOSURE_OVERRIDE,
        target=ticket,
        detail={"assignee": assignee.pk, "rule": rule, "reason": reason},
        at=now,
    )
    who = by.get_full_name() or by.get_username()
    notifications_create(
        items=[
            (
                assignee.pk,
                ticket.pk,
                "exposure_override",
                f"{who} assigned you {ticket_label(ticket)} past your exposure limit ({rule}):"
                f" {reason}",
            )
        ],
        now=now,
    )


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
    ticket_changed(ticket=ticket, fields=fields)
    return ticket, message


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
