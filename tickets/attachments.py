"""Attachment rules: content type sniffed from the bytes (never trusted from the sender),
size and type limits from settings, sha256 for integrity and de-duplication."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError

# (magic prefix, offset, content type). Order matters: the first match wins.
_SIGNATURES: list[tuple[bytes, int, str]] = [
    (b"\x89PNG\r\n\x1a\n", 0, "image/png"),
    (b"\xff\xd8\xff", 0, "image/jpeg"),
    (b"GIF87a", 0, "image/gif"),
    (b"GIF89a", 0, "image/gif"),
    (b"%PDF-", 0, "application/pdf"),
    (b"PK\x03\x04", 0, "application/zip"),
]

IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})


def sniff_content_type(data: bytes) -> str:
    """The content type the bytes really are; text only if it decodes as UTF-8 without NULs."""
    for magic, offset, ctype in _SIGNATURES:
        if data[offset : offset + len(magic)] == magic:
            return ctype
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    head = data[:4096]
    if b"\x00" not in head:
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as exc:
            # A multi-byte sequence cut at the 4096th byte is still text.
            if exc.start < len(head) - 3:
                return "application/octet-stream"
        text = head.lstrip().lower()
        if text.startswith((b"<svg", b"<?xml", b"<!doctype html", b"<html")):
            return "text/html"  # active content: refused unless explicitly allowed
        return "text/plain"
    return "application/octet-stream"


@dataclass(frozen=True)
class CheckedFile:
    name: str
    content_type: str
    size: int
    sha256: str


def check_file(name: str, data: bytes) -> CheckedFile:
    """Validate size and sniffed type against settings; raise ValidationError with the reason."""
    limits = settings.FRONTLINE
    size = len(data)
    if size == 0:
        raise ValidationError(f"{name}: the file is empty.")
    if size > limits["ATTACHMENT_MAX_BYTES"]:
        mb = limits["ATTACHMENT_MAX_BYTES"] / (1024 * 1024)
        raise ValidationError(f"{name}: larger than the {mb:g} MB limit.")
    ctype = sniff_content_type(data)
    if ctype not in limits["ATTACHMENT_ALLOWED_TYPES"]:
        raise ValidationError(f"{name}: files of type {ctype} are not accepted.")
    safe_name = name.replace("\\", "/").rsplit("/", 1)[-1].strip()[:200] or "attachment"
    return CheckedFile(safe_name, ctype, size, hashlib.sha256(data).hexdigest())
