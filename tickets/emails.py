"""Outbound email for tickets: replies carry Message-ID / In-Reply-To / References so the
requester's mail client threads them, and the ticket reference in the subject as a fallback."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.message import make_msgid
from django.template.loader import render_to_string

from .models import Message, Ticket


def reference_subject(ticket: Ticket) -> str:
    return f"[{ticket.reference}] {ticket.subject}"


def _domain() -> str:
    return settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip(">") or "frontline.localhost"


def send_public_reply(message: Message) -> str:
    """Email an agent's public reply to the requester; returns the Message-ID used."""
    ticket = message.ticket
    thread = list(
        ticket.messages.exclude(email_message_id="")
        .exclude(pk=message.pk)
        .values_list("email_message_id", flat=True)
    )
    msgid = message.email_message_id or make_msgid(idstring=f"fl{ticket.pk}", domain=_domain())
    headers = {"Message-ID": msgid, "X-Frontline-Ticket": ticket.reference}
    if thread:
        headers["In-Reply-To"] = thread[-1]
        headers["References"] = " ".join(thread[-20:])
    context = {"ticket": ticket, "message": message}
    mail = EmailMultiAlternatives(
        subject="Re: " + reference_subject(ticket),
        body=render_to_string("tickets/email/reply.txt", context),
        to=[ticket.requester.email],
        headers=headers,
    )
    mail.attach_alternative(render_to_string("tickets/email/reply.html", context), "text/html")
    mail.send()
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
    context = {"ticket": ticket}
    mail = EmailMultiAlternatives(
        subject=reference_subject(ticket),
        body=render_to_string("tickets/email/confirmation.txt", context),
        to=[ticket.requester.email],
        headers=headers,
    )
    mail.attach_alternative(
        render_to_string("tickets/email/confirmation.html", context), "text/html"
    )
    mail.send()
    return msgid


def send_csat_survey(ticket: Ticket) -> None:
    """Ask the requester to rate a solved ticket: five one-click links and a comment page."""
    from django.urls import reverse

    from .services.csat import csat_token

    base = settings.FRONTLINE["PUBLIC_BASE_URL"].rstrip("/")
    links = [
        (n, base + reverse("help:csat_rate", args=[csat_token(ticket_id=ticket.pk, rating=n)]))
        for n in range(1, 6)
    ]
    comment_url = base + reverse("help:csat_comment", args=[csat_token(ticket_id=ticket.pk)])
    context = {"ticket": ticket, "links": links, "comment_url": comment_url}
    mail = EmailMultiAlternatives(
        subject="How did we do? " + reference_subject(ticket),
        body=render_to_string("tickets/email/csat_survey.txt", context),
        to=[ticket.requester.email],
        headers={"X-Frontline-Ticket": ticket.reference, "Auto-Submitted": "auto-generated"},
    )
    mail.attach_alternative(
        render_to_string("tickets/email/csat_survey.html", context), "text/html"
    )
    mail.send()


def send_pending_reminder(ticket: Ticket) -> str:
    """Remind the requester that we wait for their answer and when the ticket will be solved
    without one. Threads under the latest email of the conversation; Auto-Submitted."""
    from datetime import timedelta
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    from django.utils import timezone

    thread = list(
        ticket.messages.exclude(email_message_id="").values_list("email_message_id", flat=True)
    )
    msgid = make_msgid(idstring=f"fl{ticket.pk}r", domain=_domain())
    headers = {
        "Message-ID": msgid,
        "X-Frontline-Ticket": ticket.reference,
        "Auto-Submitted": "auto-generated",
        "X-Auto-Response-Suppress": "All",
    }
    if thread:
        headers["In-Reply-To"] = thread[-1]
        headers["References"] = " ".join(thread[-20:])
    solve_days = float(settings.FRONTLINE["PENDING_AUTO_SOLVE_DAYS"])
    remind_days = float(settings.FRONTLINE["PENDING_REMINDER_DAYS"])
    try:
        zone = ZoneInfo(ticket.requester.time_zone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    solve_on = None
    if solve_days > remind_days:
        solve_on = timezone.localtime(
            timezone.now() + timedelta(days=solve_days - remind_days), zone
        )
    last_reply = (
        ticket.messages.filter(kind=Message.Kind.PUBLIC, author_user__isnull=False)
        .order_by("-created_at", "-pk")
        .first()
    )
    context = {"ticket": ticket, "solve_on": solve_on, "last_reply": last_reply}
    mail = EmailMultiAlternatives(
        subject="Re: " + reference_subject(ticket),
        body=render_to_string("tickets/email/pending_reminder.txt", context),
        to=[ticket.requester.email],
        headers=headers,
    )
    mail.attach_alternative(
        render_to_string("tickets/email/pending_reminder.html", context), "text/html"
    )
    mail.send()
    return msgid
