"""Creating tickets and requesters, and storing attachments — whatever the channel."""

from __future__ import annotations

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from core.effects import after_commit

from .. import events
from ..mail.attachments import check_file, preview_type
from ..mail.sanitize import clean_html, html_to_text, markdown_to_html
from ..models import Attachment, Category, Message, Requester, Ticket
from ._base import reply_due
from .risk import risk_assess, risk_flag, risk_route
from .routing import routing_apply, routing_decide, routing_record
from .safeview import attachment_make_safe
from .sla import sla_sync
from .webhooks import webhooks_emit

CONFIRMATION = "tickets.tasks.ticket_send_confirmation"  # e-mails the new ticket's reference
# Where requesters' words come in: tickets from these channels are read for imminent risk.
INTAKE_DOORS = (Ticket.Channel.WEB, Ticket.Channel.EMAIL, Ticket.Channel.API)


def requester_get_or_create(*, email: str, name: str = "", **extra) -> Requester:
    """Find the requester by email (case-insensitive) or create them; fills a missing name."""
    email = email.strip()
    existing = Requester.objects.filter(email__iexact=email).first()
    if existing:
        if name and not existing.name:
            existing.name = name[:200]
            existing.save(update_fields=["name"])
        return existing
    return Requester.objects.create(email=email.lower(), name=name[:200], **extra)


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
    email_in_reply_to: str = "",
    email_references: str = "",
    created_at=None,
    in_danger: bool = False,
    country: str = "",
) -> Ticket:
    """Open a ticket with its first message (from the requester, or from `by` on their behalf).

    Without a `team` the ticket is routed (tickets/services/routing.py): rules, follow-the-sun,
    push-mode auto-assignment after commit.

    At the intake doors (web, e-mail, API) a ticket whose reporter said someone is in
    immediate danger (`in_danger`) or whose text holds an imminent-risk phrase becomes urgent,
    goes to the on-call cleared team and its lead is told (tickets/services/risk.py); `country`
    (the form's answer) picks the emergency resources its protocol shows.

    The body is Markdown (agents, web form, API) or HTML (email); either way it is sanitized.
    """
    now = created_at or timezone.now()
    ticket = Ticket(
        subject=" ".join(subject.split())[:250] or "(no subject)",
        requester=requester,
        category=category,
        channel=channel,
        priority=priority,
        team=team,
        language=language,
        created_at=now,
        last_requester_reply_at=None if by else now,
    )
    body_html = clean_html(body) if body_is_html else markdown_to_html(body)
    risk = None
    if channel in INTAKE_DOORS:
        risk = risk_assess(
            text=f"{ticket.subject}\n{html_to_text(body_html)}", reporter_says=in_danger,
            country=country, requester=requester, language=language,
        )  # fmt: skip
    decision = None
    if team is None:  # routed before the INSERT, so the team and priority go in with it
        decision = routing_decide(
            category=category, language=language, country=requester.country, channel=channel,
            subject=ticket.subject, body=html_to_text(body_html), now=now,
        )  # fmt: skip
        routing_apply(ticket=ticket, decision=decision)
    if risk is not None:
        risk_route(assessment=risk, routed=ticket.team, now=now)
        ticket.team, ticket.priority = risk.team, Ticket.Priority.URGENT
        if decision is not None:
            decision.team = risk.team
    ticket.due_at = reply_due(ticket, now)
    ticket.save()
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
        email_in_reply_to=email_in_reply_to,
        email_references=email_references,
    )
    events.record(ticket, by, "created", "status", "", ticket.status, at=now)
    if decision is not None:
        routing_record(ticket=ticket, decision=decision, now=now)
    if risk is not None:
        risk_flag(ticket=ticket, assessment=risk, now=now)
    sla_sync(ticket, now)
    webhooks_emit(event="ticket.created", ticket=ticket, now=now)
    return ticket


@transaction.atomic
def attachment_add(
    *,
    ticket: Ticket,
    message: Message | None,
    name: str,
    data: bytes,
    content_id: str = "",
    inline: bool = False,
    by=None,
) -> Attachment:
    """Store a file for the ticket (outside the web root) after checking size, name and
    sniffed type (tickets/mail/attachments.py); an image also gets its re-encoded preview
    and, on a ticket of a sensitive or restricted category, its blurred derivative.

    Raises django.core.exceptions.ValidationError when the file is refused.
    """
    checked = check_file(name, data)
    attachment = Attachment(
        ticket=ticket,
        message=message,
        name=checked.name,
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
        content_id=content_id.strip("<>")[:255],
        inline=inline,
    )
    attachment.file.save(checked.name, ContentFile(data), save=False)
    if checked.preview is not None:
        extension = "jpg" if preview_type(checked.content_type) == "image/jpeg" else "png"
        attachment.preview.save(f"preview.{extension}", ContentFile(checked.preview), save=False)
        if ticket.category.safe_view:
            attachment_make_safe(attachment=attachment, data=data)
    attachment.save()
    events.record(ticket, by, "attachment", "attachment", "", checked.name)
    return attachment


@transaction.atomic
def ticket_submit_web(
    *,
    subject: str,
    description: str,
    email: str,
    name: str,
    category: Category,
    files=(),
    in_danger: bool = False,
    country: str = "",
) -> Ticket:
    """A requester's ticket from the public help form (no account), with its attachments;
    the confirmation email with the reference goes out after commit. `in_danger`: the
    reporter ticked "Someone is in immediate danger" (imminent risk, whatever the words)."""
    requester = requester_get_or_create(email=email, name=name)
    ticket = ticket_create(
        subject=subject,
        body=description,
        requester=requester,
        category=category,
        channel=Ticket.Channel.WEB,
        in_danger=in_danger,
        country=country,
    )
    message = ticket.messages.get()
    for file_name, data in files:
        attachment_add(ticket=ticket, message=message, name=file_name, data=data)
    after_commit(CONFIRMATION, args=(ticket.pk,))
    return ticket
