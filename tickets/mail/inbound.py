"""The one inbound-email parser behind three doors (webhook, `ingest_email`, IMAP poll).

`parse(raw)` turns RFC 822 bytes into a ParsedEmail: addresses, threading headers, the
body (quoted reply stripped when asked), attachments and inline images, and whether the
message is automatic (auto-replies, bounces, bulk) — those never create tickets or replies.
`thread_for(parsed)` says which ticket it answers and `sent_by_us(parsed)` whether it is our
own mail coming back; filing it is the service tickets.services.email_in.email_ingest.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from email.utils import parseaddr

from django.conf import settings

from ..models import Message, Ticket
from .classify import classify
from .decode import addresses, decode_header, html_to_plain, sender_address
from .mime import (
    MESSAGE_TYPES,
    REPORT_TYPES,
    attached_message,
    charset_hints,
    filename,
    guessed_name,
    leaves,
    load,
    message_bytes,
    part_bytes,
    part_text,
)
from .quotes import collapse_html, collapse_text, folded, split_text
from .reply_to import ticket_id_from
from .sanitize import clean_html, clean_text, text_to_html

MSGID = re.compile(r"<[^<>\s]+>")
TOKEN = re.compile(r"\[FL-(\d+)\]", re.IGNORECASE)
_HEAD = re.compile(r"<head\b.*?</head\s*>|<title\b.*?</title\s*>", re.IGNORECASE | re.DOTALL)
ORIGINAL_NAME = "original-message.eml"  # the whole e-mail as received, kept with its message
_IMG = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
RECIPIENT_HEADERS = ("To", "Cc", "Delivered-To", "X-Original-To", "Envelope-To")


@dataclass
class InboundFile:
    name: str
    data: bytes
    content_id: str = ""
    inline: bool = False


@dataclass
class AttachedMessage:
    """An e-mail attached to the e-mail (message/rfc822): kept as .eml, its text shown folded."""

    subject: str
    sender: str
    text: str


@dataclass
class ParsedEmail:
    message_id: str
    in_reply_to: str
    references: list[str]
    subject: str
    from_email: str
    from_name: str
    text: str
    html: str
    files: list[InboundFile] = field(default_factory=list)
    auto_reason: str = ""
    attached: list[AttachedMessage] = field(default_factory=list)
    recipients: list[str] = field(default_factory=list)
    headers: dict[str, list[str]] = field(default_factory=dict)
    report_type: str = ""  # multipart/report's report-type, e.g. "delivery-status"
    report_text: str = ""  # the machine-readable report parts, as text
    originals: list[dict[str, str]] = field(default_factory=list)  # headers of quoted mail

    @property
    def is_automatic(self) -> bool:
        return bool(self.auto_reason)

    def header(self, name: str) -> str:
        return " ".join(self.headers.get(name.lower(), []))

    @property
    def thread_ids(self) -> list[str]:
        """Message-IDs this message answers, most specific first."""
        ids = MSGID.findall(self.in_reply_to) + list(reversed(self.references))
        return list(dict.fromkeys(ids))

    @property
    def ticket_token(self) -> int | None:
        match = TOKEN.search(self.subject)
        return int(match.group(1)) if match else None

    def body_html(self, *, strip_quoted: bool) -> str:
        """Sanitized HTML of the body, quoted history and signature folded under "Show quoted
        text" (tickets.mail.quotes); a reply (`strip_quoted`) prefers the text part, which
        splits more reliably. Attached e-mails follow, each folded under its subject."""
        body = self._body_html(strip_quoted)
        for a in self.attached:
            summary = f"Attached e-mail: {a.subject or '(no subject)'} ({a.sender or 'unknown'})"
            body += folded(summary, text_to_html(a.text) if a.text.strip() else "")
        return body

    def _body_html(self, strip_quoted: bool) -> str:
        if (strip_quoted or not self.html.strip()) and self.text.strip():
            return collapse_text(self.text)
        if self.html.strip():
            return collapse_html(_HEAD.sub("", self.html))
        return ""

    @property
    def header_to(self) -> str:
        return self.header("to")

    @property
    def header_cc(self) -> str:
        return self.header("cc")

    @property
    def header_date(self) -> str:
        return self.header("date")

    def original_html(self) -> str:
        """The whole body, nothing folded, sanitised, images as placeholders (no remote
        image is ever fetched from a staff page): what the "original e-mail" page shows."""
        if self.html.strip():
            return _IMG.sub("[image]", clean_html(_HEAD.sub("", self.html)))
        return text_to_html(self.text)


class UnreadableEmail(ValueError):
    """The bytes are not an email we can use (no sender address)."""


def strip_quoted_text(text: str) -> str:
    """Only the new words of a plain-text reply (quotes and signature left out)."""
    return split_text(text).new


def _attached(part, hints) -> tuple[AttachedMessage, InboundFile, dict[str, str]]:
    inner = attached_message(part)
    sub = parse_parts(inner, hints) if inner is not None else None
    subject = sub.subject if sub else ""
    name = filename(part, hints) or (subject[:80].strip() or "message")
    if not name.lower().endswith(".eml"):
        name += ".eml"
    info = AttachedMessage(subject, sub.from_email if sub else "", sub.text if sub else "")
    return info, InboundFile(name=name, data=message_bytes(part)), _original(inner, hints)


def _original(msg, hints) -> dict[str, str]:
    """The headers of a quoted original (in a bounce or receipt) that can name our ticket."""
    if msg is None:
        return {}
    keys = ("Message-ID", "Subject", "X-Frontline-Ticket", "In-Reply-To", "References", "To")
    raw = {k.lower(): v for k, v in reversed(list(msg.raw_items()))}
    return {k.lower(): decode_header(raw[k.lower()], hints) for k in keys if k.lower() in raw}


def parse_parts(msg, hints: tuple[str, ...]) -> ParsedEmail:
    """The walk behind `parse`: body, files, attached messages and report parts."""
    plain: list[str] = []
    html: list[str] = []
    files: list[InboundFile] = []
    attached: list[AttachedMessage] = []
    reports: list[str] = []
    originals: list[dict[str, str]] = []
    for part in leaves(msg):
        ctype, name = part.get_content_type(), filename(part, hints)
        if ctype in MESSAGE_TYPES:
            info, file, original = _attached(part, hints)
            attached.append(info)
            files.append(file)
            originals.append(original)
        elif ctype in REPORT_TYPES:
            reports.append(part_text(part, hints))
            if ctype.endswith("headers"):
                originals.append(_original(load(part_bytes(part)), hints))
        elif (
            ctype in ("text/plain", "text/html")
            and part.get_content_disposition() != "attachment"
            and not name
        ):
            (html if ctype == "text/html" else plain).append(part_text(part, hints))
        else:
            cid = decode_header(part.get("Content-ID"), hints).strip().strip("<>")
            inline = part.get_content_disposition() == "inline" or bool(cid)
            name = name or guessed_name(part, cid)
            files.append(InboundFile(name, part_bytes(part), cid[:255], inline))
    html_text = clean_text("\n".join(html))
    text = clean_text("\n\n".join(plain))
    text = text if text.strip() else html_to_plain(html_text)

    headers: dict[str, list[str]] = {}
    for key, value in msg.raw_items():  # raw: 8-bit bytes still there to be decoded
        headers.setdefault(key.lower(), []).append(decode_header(value, hints))

    def header(key: str) -> str:
        return (headers.get(key.lower()) or [""])[0]

    from_name, from_email = sender_address(header("From"))
    report = next((p for p in msg.walk() if p.get_content_type() == "multipart/report"), None)
    recipients = [a for key in RECIPIENT_HEADERS for a in addresses(header(key))]
    # A message without a Message-ID gets one from its bytes, so the same bytes delivered
    # twice (a replayed webhook call, a re-polled mailbox) are recognised as a duplicate.
    return ParsedEmail(
        message_id=(MSGID.findall(header("Message-ID")) or [""])[0][:255],
        in_reply_to=header("In-Reply-To")[:255],
        references=MSGID.findall(header("References")),
        subject=" ".join(header("Subject").split())[:250],
        from_email=from_email,
        from_name=from_name,
        text=text,
        html=html_text,
        files=files,
        attached=attached,
        recipients=list(dict.fromkeys(recipients)),
        headers=headers,
        report_type=str(report.get_param("report-type") or "").lower() if report else "",
        report_text="\n".join(reports),
        originals=[o for o in originals if o],
    )


def parse(raw: bytes) -> ParsedEmail:
    """Parse RFC 822 bytes (classified: `auto_reason` says why it must not make a ticket).
    Raises UnreadableEmail when there is no sender address."""
    msg = load(raw)
    parsed = parse_parts(msg, charset_hints(msg))
    for fallback in ("sender", "reply-to", "return-path"):
        if "@" in parsed.from_email:
            break
        address = sender_address(parsed.header(fallback))[1]
        parsed.from_email = address if "@" in address else parsed.from_email
    parsed.message_id = parsed.message_id or (
        f"<{hashlib.sha256(raw).hexdigest()[:40]}@no-message-id.frontline>"
    )
    parsed.auto_reason = classify(parsed).automatic
    # A report from "MAILER-DAEMON" (no domain) is still a report; a person's mail needs an
    # address to answer.
    if "@" not in parsed.from_email and not parsed.auto_reason:
        raise UnreadableEmail("The message has no sender address.")
    return parsed


def sent_by_us(parsed: ParsedEmail) -> bool:
    """True when the message comes from our own address (a loop: never file it)."""
    return parsed.from_email == parseaddr(settings.DEFAULT_FROM_EMAIL)[1].lower()


def thread_for(parsed: ParsedEmail) -> Ticket | None:
    """The ticket this message answers: by In-Reply-To / References against the Message-IDs
    we stored, then by the [FL-123] token in the subject or the signed reply address it was
    sent to (tickets.mail.reply_to) — each only when the sender is that ticket's requester;
    None means a new ticket."""
    ids = parsed.thread_ids
    if ids:
        hit = (
            Message.objects.filter(email_message_id__in=ids)
            .select_related("ticket__requester")
            .order_by("-created_at")
            .first()
        )
        if hit and hit.ticket.requester.email.lower() == parsed.from_email:
            return hit.ticket
    token = parsed.ticket_token or ticket_id_from(parsed.recipients)
    if token:
        ticket = Ticket.objects.select_related("requester").filter(pk=token).first()
        if ticket and ticket.requester.email.lower() == parsed.from_email:
            return ticket
    return None
