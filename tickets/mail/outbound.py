"""Outbound e-mail for tickets: replies carry Message-ID / In-Reply-To / References so the
requester's mail client threads them, and the ticket reference in the subject as a fallback.
Nothing is sent to an address a hard bounce marked as bouncing: it is held, and noted."""

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.message import make_msgid
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from .. import events
from ..models import Message, Ticket
from .reply_to import reply_address
from .sanitize import text_to_html
from .survey_links import csat_token


def reference_subject(ticket: Ticket) -> str:
    return f"[{ticket.reference}] {ticket.subject}"


def _domain() -> str:
    return settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip(">") or "frontline.localhost"


def thread_headers(ticket: Ticket, exclude: int | None = None) -> dict[str, str]:
    """In-Reply-To / References pointing at the conversation's latest emails (if any)."""
    ids = list(
        ticket.messages.exclude(email_message_id="")
        .exclude(pk=exclude)
        .values_list("email_message_id", flat=True)
    )
    if not ids:
        return {}
    return {"In-Reply-To": ids[-1], "References": " ".join(ids[-20:])}


def held_for_bounce(ticket: Ticket, subject: str) -> bool:
    """True (and noted on the ticket) when the requester's address is bouncing: a hard
    bounce said it does not exist, so e-mail to it is held rather than sent again."""
    requester = ticket.requester
    if requester.email_bounced_at is None:
        return False
    note = (
        f"E-mail held, not sent: {requester.email} is bouncing "
        f"({requester.email_bounce_reason or 'hard bounce'}). Subject: {subject}"
    )
    Message.objects.create(
        ticket=ticket, kind=Message.Kind.INTERNAL, body_html=text_to_html(note), body_text=note,
        channel=Ticket.Channel.EMAIL, created_at=timezone.now(), is_automated=True,
    )  # fmt: skip
    events.record(ticket, None, "email_held", new=subject[:250])
    return True


def _send(ticket: Ticket, subject: str, template: str, context: dict, headers: dict) -> None:
    """Email the requester the text and HTML renderings of tickets/email/<template> —
    unless their address is bouncing (held_for_bounce)."""
    if held_for_bounce(ticket, subject):
        return
    context = {"ticket": ticket, **context}
    reply_to = reply_address(ticket.pk)
    mail = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"tickets/email/{template}.txt", context),
        to=[ticket.requester.email],
        headers=headers,
        reply_to=[reply_to] if reply_to else None,
    )
    mail.attach_alternative(
        render_to_string(f"tickets/email/{template}.html", context), "text/html"
    )
    mail.send()


def send_public_reply(message: Message) -> str:
    """Email an agent's public reply to the requester; returns the Message-ID used."""
    ticket = message.ticket
    thread = thread_headers(ticket, exclude=message.pk)
    msgid = message.email_message_id or make_msgid(idstring=f"fl{ticket.pk}", domain=_domain())
    headers = {"Message-ID": msgid, "X-Frontline-Ticket": ticket.reference, **thread}
    _send(ticket, "Re: " + reference_subject(ticket), "reply", {"message": message}, headers)
    if not message.email_message_id:
        Message.objects.filter(pk=message.pk).update(email_message_id=msgid)
    return msgid


def send_confirmation(ticket: Ticket) -> str:
    """Tell the requester we have their request and its reference. Marked Auto-Submitted so
    well-behaved auto-responders do not answer it (and we never answer theirs)."""
    first = ticket.messages.order_by("created_at", "pk").first()
    msgid = make_msgid(idstring=f"fl{ticket.pk}c", domain=_domain())
    headers = {
        "Message-ID": msgid,
        "X-Frontline-Ticket": ticket.reference,
        "Auto-Submitted": "auto-replied",
        "X-Auto-Response-Suppress": "All",
    }
    if first is not None and first.email_message_id:
        headers["In-Reply-To"] = first.email_message_id
        headers["References"] = first.email_message_id
    _send(ticket, reference_subject(ticket), "confirmation", {}, headers)
    return msgid


def send_csat_survey(ticket: Ticket) -> None:
    """Ask the requester to rate a solved ticket: five one-click links and a comment page."""
    base = settings.FRONTLINE["PUBLIC_BASE_URL"].rstrip("/")
    links = [
        (n, base + reverse("help:csat_rate", args=[csat_token(ticket_id=ticket.pk, rating=n)]))
        for n in range(1, 6)
    ]
    comment_url = base + reverse("help:csat_comment", args=[csat_token(ticket_id=ticket.pk)])
    context = {"links": links, "comment_url": comment_url}
    headers = {"X-Frontline-Ticket": ticket.reference, "Auto-Submitted": "auto-generated"}
    _send(ticket, "How did we do? " + reference_subject(ticket), "csat_survey", context, headers)


def send_pending_reminder(ticket: Ticket, *, solve_at=None) -> str:
    """Remind the requester that we wait for their answer (and, with `solve_at`, from when
    the ticket will be solved without one, shown as a date in the requester's zone).
    Threads under the conversation's latest email; Auto-Submitted."""
    msgid = make_msgid(idstring=f"fl{ticket.pk}r", domain=_domain())
    headers = {
        "Message-ID": msgid,
        "X-Frontline-Ticket": ticket.reference,
        "Auto-Submitted": "auto-generated",
        "X-Auto-Response-Suppress": "All",
        **thread_headers(ticket),
    }
    try:
        zone = ZoneInfo(ticket.requester.time_zone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    last_reply = (
        ticket.messages.filter(kind=Message.Kind.PUBLIC, author_user__isnull=False)
        .order_by("-created_at", "-pk")
        .first()
    )
    context = {
        "solve_on": timezone.localtime(solve_at, zone) if solve_at else None,
        "last_reply": last_reply,
    }
    _send(ticket, "Re: " + reference_subject(ticket), "pending_reminder", context, headers)
    return msgid
