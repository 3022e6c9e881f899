"""Walking a MIME tree that may be broken, and getting each part's text out of it.

The stdlib parser (compat32: nothing decoded behind our back) is forgiving but gives up on a
multipart whose boundary is missing or wrong: the whole body becomes one string. `leaves`
recovers those (the boundary the body really uses, found from its delimiter lines) and
treats what cannot be split as one text part; unclosed multiparts parse as they are.
"""

from __future__ import annotations

import email
import email.policy
import mimetypes
import re
from collections import Counter
from collections.abc import Iterator
from email.message import Message

from .decode import decode_bytes, decode_header, html_charset

# "--boundary" or "--boundary--" on a line of its own; the boundary has a non-dash in it.
_DELIMITER = re.compile(r"^--([^\s]*[^\s-][^\s]*?)(--)?[ \t]*\r?$", re.MULTILINE)
_HEADERS_START = re.compile(r"^\s*(content-type|content-transfer-encoding|mime-version)\s*:", re.I)
_LOOKS_HTML = re.compile(r"<(html|body|div|p|br|table)\b", re.IGNORECASE)

_NAMED = ("content-disposition", "content-type")
_RAW_NAME = re.compile(r"\b(?:file)?name\s*=\s*\"?([^\";]+)", re.IGNORECASE)
MESSAGE_TYPES = ("message/rfc822", "message/global")
REPORT_TYPES = (
    "message/delivery-status",
    "message/global-delivery-status",
    "message/disposition-notification",
    "message/global-disposition-notification",
    "message/feedback-report",
    "text/rfc822-headers",
    "message/global-headers",
)


def load(raw: bytes) -> Message:
    return email.message_from_bytes(raw, policy=email.policy.compat32)


def charset_hints(msg: Message) -> tuple[str, ...]:
    """Every charset the message declares anywhere: what its raw 8-bit headers are likely in."""
    found = []
    for part in msg.walk():
        charset = part.get_param("charset")
        if isinstance(charset, str) and charset.lower() not in ("us-ascii", "ascii"):
            found.append(charset)
    return tuple(dict.fromkeys(found))


def _recover(part: Message) -> Message | None:
    """A multipart whose boundary did not work, re-parsed with the boundary its body uses."""
    body = part.get_payload()
    if not isinstance(body, str):
        return None
    tokens = Counter(m.group(1) for m in _DELIMITER.finditer(body) if len(m.group(1)) >= 4)
    for boundary, _ in tokens.most_common(3):
        head = f'Content-Type: {part.get_content_type()}; boundary="{boundary}"\n\n'
        fixed = email.message_from_string(head + body, policy=email.policy.compat32)
        if fixed.is_multipart() and fixed.get_payload():
            return fixed
    return None


def _as_single(part: Message) -> Message:
    """The body of an unsplittable multipart as one part: a MIME entity if it starts with
    headers, else text (HTML if it looks like HTML) in the parent's charset."""
    body = part.get_payload()
    body = body if isinstance(body, str) else ""
    stripped = body.lstrip("\r\n")
    if _HEADERS_START.match(stripped):
        return email.message_from_string(stripped, policy=email.policy.compat32)
    single = Message()
    subtype = "html" if _LOOKS_HTML.search(body[:4000]) else "plain"
    single["Content-Type"] = f"text/{subtype}"
    charset = part.get_param("charset")
    if isinstance(charset, str):
        single.set_param("charset", charset)
    single.set_payload(body)
    return single


def _mime_in_plain(msg: Message) -> bool:
    """A top-level text part with no Content-Type at all whose body is MIME (a lost header)."""
    if "Content-Type" in msg or msg.is_multipart():
        return False
    body = msg.get_payload()
    return isinstance(body, str) and bool(_DELIMITER.search(body)) and "Content-Type:" in body


def leaves(msg: Message, depth: int = 0) -> Iterator[Message]:
    """Every non-multipart part, in order; attached messages are leaves (not descended)."""
    if depth > 30:
        return
    ctype = msg.get_content_type()
    if msg.get_content_maintype() == "multipart" or _mime_in_plain(msg):
        if msg.is_multipart():
            children = msg.get_payload()
        else:
            fixed = _recover(msg)
            children = fixed.get_payload() if fixed is not None else [_as_single(msg)]
        for child in children:
            if isinstance(child, Message):
                yield from leaves(child, depth + 1)
        return
    if ctype in MESSAGE_TYPES and not msg.is_multipart():
        # A message/rfc822 the parser did not parse (e.g. base64-encoded): parse its bytes.
        inner = msg.get_payload(decode=True) or b""
        wrapped = Message()
        wrapped["Content-Type"] = "message/rfc822"
        wrapped.attach(load(inner))
        yield wrapped
        return
    yield msg


def part_bytes(part: Message) -> bytes:
    """The decoded payload (base64 / quoted-printable undone; broken encodings tolerated)."""
    try:
        data = part.get_payload(decode=True)
    except (ValueError, TypeError, AssertionError):
        data = None
    if isinstance(data, bytes):
        return data
    payload = part.get_payload()
    if isinstance(payload, str):
        return payload.encode("utf-8", "surrogateescape")
    if isinstance(payload, list):  # message/delivery-status: blocks of fields, parsed as such
        blocks = [p.as_string() for p in payload if isinstance(p, Message)]
        return "\n".join(blocks).encode("utf-8", "surrogateescape")
    return b""


def part_text(part: Message, hints: tuple[str, ...] = ()) -> str:
    """A text part's content as str, whatever its declared charset says."""
    data = part_bytes(part)
    charset = part.get_param("charset")
    declared = charset if isinstance(charset, str) else None
    if declared is None and part.get_content_subtype() == "html":
        declared = html_charset(data)
    return decode_bytes(data, declared, hints=hints)


def filename(part: Message, hints: tuple[str, ...] = ()) -> str:
    """The part's file name: RFC 2231 (filename*=) or RFC 2047 (Outlook's =?…?=) or name=."""
    try:
        name = part.get_filename() or part.get_param("name")
    except (LookupError, UnicodeError, ValueError):
        name = None
    if isinstance(name, tuple):  # an RFC 2231 value the stdlib could not collapse
        name = email.utils.collapse_rfc2231_value(name, errors="replace")
    decoded = decode_header(name or "", hints)
    if "\ufffd" in decoded:  # 8-bit bytes in the parameter: read it from the raw header
        raw = " ".join(v for k, v in part.raw_items() if k.lower() in _NAMED)
        found = _RAW_NAME.search(raw)
        decoded = decode_header(found.group(1), hints) if found else decoded
    return decoded.replace("/", "_").replace("\\", "_")


def guessed_name(part: Message, cid: str) -> str:
    ext = mimetypes.guess_extension(part.get_content_type()) or ""
    return f"inline-{cid}" if cid else f"attachment{ext}"


def message_bytes(part: Message) -> bytes:
    """An attached message (message/rfc822 part) as .eml bytes."""
    payload = part.get_payload()
    inner = payload[0] if isinstance(payload, list) and payload else None
    if not isinstance(inner, Message):
        return part_bytes(part)
    try:
        return inner.as_bytes(policy=email.policy.compat32)
    except (UnicodeError, LookupError, ValueError, TypeError):
        return inner.as_string(policy=email.policy.compat32).encode("utf-8", "surrogateescape")


def attached_message(part: Message) -> Message | None:
    payload = part.get_payload()
    inner = payload[0] if isinstance(payload, list) and payload else None
    return inner if isinstance(inner, Message) else None
