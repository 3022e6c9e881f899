"""Inbound email → tickets: thread into the right ticket or open a new one, once.

The top of tickets.services. Parsing and threading are tickets.mail.inbound (`parse`,
`thread_for`: In-Reply-To / References against the Message-IDs we stored, then a [FL-123]
token in the subject — either only when the sender is that ticket's requester); without a
thread, a new ticket. What tickets.mail.classify says is not a person's mail never makes a
ticket or a reply: auto-replies and our own mail are skipped, bounces and read receipts are
noted on the ticket they are about (a hard bounce marks the requester's address as
bouncing), spam is held for a lead's review (`held_email_release` / `_delete`,
`sender_block`), and a per-sender hourly limit breaks loops with misbehaving robots. The
same Message-ID twice is a no-op (safe to poll or retry).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import timedelta
from typing import TypedDict

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core.effects import after_commit

from .. import events
from ..mail.classify import BOUNCE, DELAY, FEEDBACK, RECEIPT, REPORTS, SPAM, Verdict, classify
from ..mail.inbound import ORIGINAL_NAME, InboundFile, ParsedEmail, parse, sent_by_us, thread_for
from ..mail.sanitize import html_to_text, markdown_to_html, text_to_html
from ..models import BlockedSender, Category, HeldEmail, Message, Ticket, TicketEvent
from .intake import CONFIRMATION, attachment_add, requester_get_or_create, ticket_create
from .workflow import ticket_requester_reply

logger = logging.getLogger(__name__)
_REPLY_PREFIX = re.compile(r"^(?:\s*(?:re|aw|sv|vs|antw|odp|fw|fwd|wg|tr)\s*:\s*)+", re.IGNORECASE)


class _Headers(TypedDict):
    """The e-mail headers a new ticket or a reply stores, for threading the next mail."""

    email_message_id: str
    email_in_reply_to: str
    email_references: str


@dataclass(frozen=True)
class IngestResult:
    # "created", "appended", "duplicate", "skipped" (automatic mail), "noted" (a report on
    # its ticket), "held" (spam, for review), "dropped" (a blocked sender)
    outcome: str
    ticket: Ticket | None = None
    reason: str = ""


def _default_category() -> Category:
    slug = getattr(settings, "FRONTLINE", {}).get("INBOUND_DEFAULT_CATEGORY", "")
    category = Category.objects.filter(slug=slug, active=True).first() if slug else None
    category = category or Category.objects.filter(active=True, sensitivity="none").first()
    if category is None:
        raise ValidationError("No active category to file inbound email under.")
    return category


def _store_files(ticket: Ticket, message: Message, parsed: ParsedEmail, raw: bytes) -> None:
    """The message's files, then the original e-mail itself (ORIGINAL_NAME: kept whole, so
    what was folded or converted can always be checked against what arrived)."""
    refused = []
    for f in [*parsed.files, InboundFile(ORIGINAL_NAME, raw)]:
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


def _report_ticket(verdict: Verdict) -> Ticket | None:
    """The ticket a bounce or receipt is about: our original's Message-ID, then FL-123."""
    if verdict.message_ids:
        hit = (
            Message.objects.filter(email_message_id__in=verdict.message_ids)
            .select_related("ticket__requester")
            .first()
        )
        if hit is not None:
            return hit.ticket
    if verdict.tickets:
        return Ticket.objects.select_related("requester").filter(pk__in=verdict.tickets).first()
    return None


_REPORT_NOTES = {
    BOUNCE: "E-mail to {addr} could not be delivered: {reason}.",
    DELAY: "E-mail to {addr} is delayed: {reason}.",
    RECEIPT: "Read receipt from {addr}: {subject}",
    FEEDBACK: "{addr}'s mail provider reports our e-mail as unwanted (abuse report).",
}


def _file_report(parsed: ParsedEmail, verdict: Verdict) -> IngestResult:
    """A bounce, delay, read receipt or abuse report: never a ticket nor a reply. Noted on the
    ticket it is about (once per report); a hard bounce about our mail to that ticket's
    requester marks their address as bouncing, so what we send them next is held."""
    ticket = _report_ticket(verdict)
    if ticket is None:
        return IngestResult("skipped", reason=verdict.reason)
    if TicketEvent.objects.filter(
        ticket=ticket, kind="email_report", new=parsed.message_id
    ).exists():
        return IngestResult("duplicate", ticket=ticket, reason=verdict.reason)
    requester = ticket.requester
    addr = verdict.failed[0] if verdict.failed else requester.email
    note = _REPORT_NOTES[verdict.kind].format(
        addr=addr, reason=verdict.reason, subject=parsed.subject
    )
    if verdict.hard_bounce and (not verdict.failed or requester.email.lower() in verdict.failed):
        requester.email_bounced_at = timezone.now()
        requester.email_bounce_reason = verdict.reason[:300]
        requester.save(update_fields=["email_bounced_at", "email_bounce_reason"])
        note += " The address is marked as bouncing: e-mail to it is held until it changes."
    html = text_to_html(note)
    Message.objects.create(
        ticket=ticket, kind=Message.Kind.INTERNAL, body_html=html, body_text=note,
        channel=Ticket.Channel.EMAIL, created_at=timezone.now(), is_automated=True,
    )  # fmt: skip
    events.record(ticket, None, "email_report", field=verdict.kind, new=parsed.message_id)
    return IngestResult("noted", ticket=ticket, reason=verdict.reason)


def _hold(raw: bytes, parsed: ParsedEmail, verdict: Verdict) -> IngestResult:
    if not HeldEmail.objects.filter(message_id=parsed.message_id).exists():
        HeldEmail.objects.create(
            raw=raw, message_id=parsed.message_id, from_email=parsed.from_email[:320],
            from_name=parsed.from_name[:200], subject=parsed.subject[:250],
            excerpt=" ".join(parsed.text.split())[:300], reason=verdict.reason[:300],
            score=verdict.spam_score, received_at=timezone.now(),
        )  # fmt: skip
    return IngestResult("held", reason=verdict.reason)


def _rate_limited(address: str) -> bool:
    """More than INBOUND_RATE_PER_SENDER messages from one address in the past hour: a loop
    (or a flood) — the rest are skipped until the hour has passed."""
    limit = settings.FRONTLINE.get("INBOUND_RATE_PER_SENDER", 30)
    since = timezone.now() - timedelta(hours=1)
    recent = Message.objects.filter(
        author_requester__email=address, channel=Ticket.Channel.EMAIL, created_at__gte=since
    )
    return recent.count() >= limit


@transaction.atomic
def email_ingest(*, raw: bytes, accept_spam: bool = False) -> IngestResult:
    """File one raw RFC 822 message. Raises tickets.mail.inbound.UnreadableEmail on garbage.

    Reports (bounces, receipts) are noted on their ticket; auto-replies are skipped; spam is
    held for review (`accept_spam`: a person said it is not); blocked senders are dropped.
    Mail from no-reply addresses makes a ticket but no confirmation."""
    parsed = parse(raw)
    verdict = classify(parsed)
    if sent_by_us(parsed):
        return IngestResult("skipped", reason="sent by Frontline itself")
    if verdict.kind in REPORTS:
        logger.info("inbound email report: %s", verdict.reason)
        return _file_report(parsed, verdict)
    if verdict.automatic:
        logger.info("inbound email skipped: %s", verdict.reason)
        return IngestResult("skipped", reason=verdict.reason)
    seen = (
        Message.objects.filter(email_message_id=parsed.message_id).select_related("ticket").first()
    )
    if seen is not None:
        return IngestResult("duplicate", ticket=seen.ticket)
    if BlockedSender.objects.filter(email=parsed.from_email).exists():
        return IngestResult("dropped", reason="blocked sender")
    if verdict.kind == SPAM and not accept_spam:
        return _hold(raw, parsed, verdict)
    if _rate_limited(parsed.from_email):
        return IngestResult("skipped", reason="too many messages from this sender this hour")
    headers: _Headers = {
        "email_message_id": parsed.message_id,
        "email_in_reply_to": parsed.in_reply_to,
        "email_references": " ".join(parsed.references)[:5000],
    }
    ticket = thread_for(parsed)
    requester = requester_get_or_create(email=parsed.from_email, name=parsed.from_name)
    if requester.email_bounced_at is not None:  # they write again: the mailbox works
        requester.email_bounced_at, requester.email_bounce_reason = None, ""
        requester.save(update_fields=["email_bounced_at", "email_bounce_reason"])
    if ticket is not None:
        ticket, message = ticket_requester_reply(
            ticket=ticket, requester=requester, body_html=parsed.body_html(strip_quoted=True),
            channel=Ticket.Channel.EMAIL, **headers,
        )  # fmt: skip
        _store_files(ticket, message, parsed, raw)
        return IngestResult("appended", ticket=ticket)
    category = _default_category()
    ticket = ticket_create(
        subject=_REPLY_PREFIX.sub("", parsed.subject).strip() or "(no subject)",
        body=parsed.body_html(strip_quoted=False), body_is_html=True, requester=requester,
        category=category, channel=Ticket.Channel.EMAIL, **headers,
    )  # fmt: skip
    _store_files(ticket, ticket.messages.get(), parsed, raw)
    if not verdict.no_reply:
        after_commit(CONFIRMATION, args=(ticket.pk,))
    return IngestResult(
        "created", ticket=ticket, reason="no-reply sender" if verdict.no_reply else ""
    )


@transaction.atomic
def held_email_release(*, held: HeldEmail) -> IngestResult:
    """ "Not spam": file the held message as if it had arrived clean (a ticket or a reply)."""
    result = email_ingest(raw=bytes(held.raw), accept_spam=True)
    held.delete()
    return result


def held_email_delete(*, held: HeldEmail) -> None:
    """Throw a held message away."""
    held.delete()


@transaction.atomic
def sender_block(*, held: HeldEmail, by) -> BlockedSender:
    """Block the held message's sender: it and their other held mail are deleted, and what
    they send from now on is dropped as spam on arrival."""
    blocked, _ = BlockedSender.objects.get_or_create(
        email=held.from_email.lower(), defaults={"created_by": by, "created_at": timezone.now()}
    )
    HeldEmail.objects.filter(from_email__iexact=held.from_email).delete()
    return blocked
