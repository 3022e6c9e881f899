"""Inbound email → tickets: thread into the right ticket or open a new one, once.

The top of tickets.services. Parsing and threading are tickets.mail.inbound (`parse`,
`thread_for`: In-Reply-To / References against the Message-IDs we stored, then a [FL-123]
token in the subject — either only when the sender is that ticket's requester); without a
thread, a new ticket. Automatic mail (auto-replies, bounces, bulk) and our own mail are
skipped, so nothing loops. The same Message-ID twice is a no-op (safe to poll or retry).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TypedDict

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core.effects import after_commit

from ..mail.inbound import ParsedEmail, parse, sent_by_us, thread_for
from ..mail.sanitize import html_to_text, markdown_to_html
from ..models import Category, Message, Ticket
from .intake import CONFIRMATION, attachment_add, requester_get_or_create, ticket_create
from .workflow import ticket_requester_reply

logger = logging.getLogger(__name__)


class _Headers(TypedDict):
    """The e-mail headers a new ticket or a reply stores, for threading the next mail."""

    email_message_id: str
    email_in_reply_to: str
    email_references: str


@dataclass(frozen=True)
class IngestResult:
    outcome: str  # "created", "appended", "duplicate", "skipped"
    ticket: Ticket | None = None
    reason: str = ""


def _default_category() -> Category:
    slug = getattr(settings, "FRONTLINE", {}).get("INBOUND_DEFAULT_CATEGORY", "")
    category = Category.objects.filter(slug=slug, active=True).first() if slug else None
    category = category or Category.objects.filter(active=True, sensitivity="none").first()
    if category is None:
        raise ValidationError("No active category to file inbound email under.")
    return category


def _store_files(ticket: Ticket, message: Message, parsed: ParsedEmail) -> None:
    refused = []
    for f in parsed.files:
        try:
            with transaction.atomic():
                attachment_add(
                    ticket=ticket, message=message, name=f.name, data=f.data,
                    content_id=f.content_id, inline=f.inline,
                )  # fmt: skip
        except ValidationError as exc:
            refused.append(" ".join(exc.messages))
    if refused:
        html = markdown_to_html("Attachments refused:\n\n" + "\n".join(f"- {r}" for r in refused))
        Message.objects.create(
            ticket=ticket, kind=Message.Kind.INTERNAL, body_html=html, body_text=html_to_text(html),
            channel=Ticket.Channel.EMAIL, created_at=timezone.now(), is_automated=True,
        )  # fmt: skip


@transaction.atomic
def email_ingest(*, raw: bytes) -> IngestResult:
    """File one raw RFC 822 message. Raises tickets.mail.inbound.UnreadableEmail on garbage."""
    parsed = parse(raw)
    if parsed.is_automatic:
        logger.info("inbound email skipped: %s", parsed.auto_reason)
        return IngestResult("skipped", reason=parsed.auto_reason)
    if sent_by_us(parsed):
        return IngestResult("skipped", reason="sent by Frontline itself")
    if parsed.message_id:
        seen = (
            Message.objects.filter(email_message_id=parsed.message_id)
            .select_related("ticket")
            .first()
        )
        if seen is not None:
            return IngestResult("duplicate", ticket=seen.ticket)
    headers: _Headers = {
        "email_message_id": parsed.message_id,
        "email_in_reply_to": parsed.in_reply_to,
        "email_references": " ".join(parsed.references)[:5000],
    }
    ticket = thread_for(parsed)
    requester = requester_get_or_create(email=parsed.from_email, name=parsed.from_name)
    if ticket is not None:
        ticket, message = ticket_requester_reply(
            ticket=ticket, requester=requester, body_html=parsed.body_html(strip_quoted=True),
            channel=Ticket.Channel.EMAIL, **headers,
        )  # fmt: skip
        _store_files(ticket, message, parsed)
        return IngestResult("appended", ticket=ticket)
    category = _default_category()
    ticket = ticket_create(
        subject=parsed.subject.replace("Re:", "").strip() or "(no subject)",
        body=parsed.body_html(strip_quoted=False), body_is_html=True, requester=requester,
        category=category, channel=Ticket.Channel.EMAIL, **headers,
    )  # fmt: skip
    _store_files(ticket, ticket.messages.get(), parsed)
    after_commit(CONFIRMATION, args=(ticket.pk,))
    return IngestResult("created", ticket=ticket)
