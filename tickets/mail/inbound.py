"""The one inbound-email parser behind three doors (webhook, `ingest_email`, IMAP poll).

`parse(raw)` turns RFC 822 bytes into a ParsedEmail: addresses, threading headers, the
body (quoted reply stripped when asked), attachments and inline images, and whether the
message is automatic (auto-replies, bounces, bulk) — those never create tickets or replies.
`thread_for(parsed)` says which ticket it answers and `sent_by_us(parsed)` whether it is our
own mail coming back; filing it is the service tickets.services.email_in.email_ingest.
"""

from __future__ import annotations

import email
import email.policy
import hashlib
import re
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import parseaddr

from django.conf import settings

from ..models import Message, Ticket
from .sanitize import clean_html, clean_text, text_to_html

MSGID = re.compile(r"<[^<>\s]+>")
TOKEN = re.compile(r"\[FL-(\d+)\]", re.IGNORECASE)
AUTO_PRECEDENCE = {"bulk", "junk", "list", "auto_reply"}
DAEMONS = ("mailer-daemon@", "postmaster@", "noreply@", "no-reply@", "do-not-reply@")

# Lines that start the quoted previous message in common mail clients.
_QUOTE_HEADERS = [
    re.compile(r"^\s*On .{1,200}wrote:\s*$", re.IGNORECASE),
    re.compile(r"^\s*Le .{1,200}a écrit\s*:\s*$", re.IGNORECASE),
    re.compile(r"^\s*Am .{1,200}schrieb .{1,200}:\s*$", re.IGNORECASE),
    re.compile(r"^\s*El .{1,200}escribió:\s*$", re.IGNORECASE),
    re.compile(r"^\s*-{2,}\s*Original Message\s*-{2,}\s*$", re.IGNORECASE),
    re.compile(r"^\s*_{10,}\s*$"),
    re.compile(r"^\s*From: .+$"),
]
_HTML_QUOTES = [
    re.compile(r"<div[^>]*class=\"?gmail_quote.*", re.IGNORECASE | re.DOTALL),
    re.compile(r"<blockquote[^>]*type=\"?cite.*", re.IGNORECASE | re.DOTALL),
    re.compile(r"<div[^>]*id=\"?appendonsend.*", re.IGNORECASE | re.DOTALL),
    re.compile(r"<hr[^>]*id=\"?stopSpelling.*", re.IGNORECASE | re.DOTALL),
]


@dataclass
class InboundFile:
    name: str
    data: bytes
    content_id: str = ""
    inline: bool = False


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

    @property
    def is_automatic(self) -> bool:
        return bool(self.auto_reason)

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
        """Sanitized HTML of the body; with strip_quoted, the previous message is cut off."""
        if strip_quoted and self.text.strip():
            return text_to_html(strip_quoted_text(self.text))
        if self.html.strip():
            html = strip_quoted_html(self.html) if strip_quoted else self.html
            return clean_html(html)
        return text_to_html(self.text)


class UnreadableEmail(ValueError):
    """The bytes are not an email we can use (no sender address)."""


def strip_quoted_text(text: str) -> str:
    """Cut the quoted previous message: from a client's "On … wrote:" line (or a run of
    "> " lines at the end) onwards; the signature separator "-- " too."""
    lines = text.replace("\r\n", "\n").split("\n")
    for i, line in enumerate(lines):
        if line.rstrip() == "--" or any(p.match(line) for p in _QUOTE_HEADERS):
            lines = lines[:i]
            break
    while lines and (lines[-1].startswith(">") or not lines[-1].strip()):
        lines.pop()
    kept = "\n".join(line for line in lines if not line.startswith(">"))
    return kept.strip() or text.strip()


def strip_quoted_html(html: str) -> str:
    for pattern in _HTML_QUOTES:
        cut = pattern.sub("", html)
        if cut.strip():
            html = cut
    return html


def _auto_reason(msg: EmailMessage, from_email: str) -> str:
    auto = str(msg.get("Auto-Submitted", "")).strip().lower()
    if auto and auto != "no":
        return f"Auto-Submitted: {auto}"
    precedence = str(msg.get("Precedence", "")).strip().lower()
    if precedence in AUTO_PRECEDENCE:
        return f"Precedence: {precedence}"
    for header in ("X-Autoreply", "X-Autorespond"):
        if header in msg:
            return header
    if msg.get_content_type() == "multipart/report":
        return "delivery report (bounce)"
    if str(msg.get("Return-Path", "")).strip() == "<>":
        return "empty Return-Path (bounce)"
    if from_email.lower().startswith(DAEMONS):
        return f"sent by {from_email}"
    return ""


def _text(part) -> str:
    try:
        return clean_text(part.get_content())
    except (LookupError, UnicodeDecodeError):  # unknown or lying charset
        payload = part.get_payload(decode=True) or b""
        return clean_text(payload.decode("latin-1", errors="replace"))


def _header(msg, name: str) -> str:
    """A header as clean text (raw 8-bit or NUL bytes in headers arrive as surrogates)."""
    return clean_text(str(msg.get(name, "")))


def _file(part) -> InboundFile:
    data = part.get_payload(decode=True) or b""
    cid = _header(part, "Content-ID").strip().strip("<>")
    name = clean_text(part.get_filename() or "") or (f"inline-{cid}" if cid else "attachment")
    inline = part.get_content_disposition() == "inline" or bool(cid)
    return InboundFile(name=name, data=data, content_id=cid, inline=inline)


def parse(raw: bytes) -> ParsedEmail:
    """Parse RFC 822 bytes. Raises UnreadableEmail when there is no sender address."""
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    from_name, from_email = parseaddr(_header(msg, "From"))
    if "@" not in from_email:
        raise UnreadableEmail("The message has no sender address.")
    text_part = msg.get_body(preferencelist=("plain",))
    html_part = msg.get_body(preferencelist=("html",))
    files = [
        _file(part)
        for part in msg.walk()
        if not part.is_multipart()
        and part is not text_part
        and part is not html_part
        and (
            part.get_content_maintype() != "text"
            or part.get_filename()
            or part.get_content_disposition() == "attachment"
        )
    ]
    references = MSGID.findall(_header(msg, "References"))
    # A message without a Message-ID gets one from its bytes, so the same bytes delivered
    # twice (a replayed webhook call, a re-polled mailbox) are recognised as a duplicate.
    message_id = (MSGID.findall(_header(msg, "Message-ID")) or [""])[0][:255] or (
        f"<{hashlib.sha256(raw).hexdigest()[:40]}@no-message-id.frontline>"
    )
    return ParsedEmail(
        message_id=message_id,
        in_reply_to=_header(msg, "In-Reply-To")[:255],
        references=references,
        subject=" ".join(_header(msg, "Subject").split())[:250],
        from_email=from_email.strip().lower(),
        from_name=from_name.strip(),
        text=_text(text_part) if text_part is not None else "",
        html=_text(html_part) if html_part is not None else "",
        files=files,
        auto_reason=_auto_reason(msg, from_email),
    )


def sent_by_us(parsed: ParsedEmail) -> bool:
    """True when the message comes from our own address (a loop: never file it)."""
    return parsed.from_email == parseaddr(settings.DEFAULT_FROM_EMAIL)[1].lower()


def thread_for(parsed: ParsedEmail) -> Ticket | None:
    """The ticket this message answers: by In-Reply-To / References against the Message-IDs
    we stored, then by the [FL-123] token in the subject — either only when the sender is
    that ticket's requester; None means a new ticket."""
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
    token = parsed.ticket_token
    if token:
        ticket = Ticket.objects.select_related("requester").filter(pk=token).first()
        if ticket and ticket.requester.email.lower() == parsed.from_email:
            return ticket
    return None
