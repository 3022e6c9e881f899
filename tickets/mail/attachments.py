"""Attachment rules: content type sniffed from the bytes (never trusted from the sender),
size and type limits from settings, a deny list of executable and active content (by file
name AND by sniffed content), sha256 for integrity and de-duplication, and images re-encoded
with Pillow for inline preview (pixels only: metadata and anything appended are dropped);
images of sensitive tickets also get a blurred greyscale derivative, the safe view.

Originals are only ever served through the access-checked views as downloads
(Content-Disposition: attachment, nosniff, sandboxed CSP); only the re-encoded preview of an
image is shown inline.
"""

from __future__ import annotations

import hashlib
import io
import re
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from PIL import Image, ImageFilter, ImageOps, UnidentifiedImageError

# (magic prefix, offset, content type). Order matters: the first match wins.
_SIGNATURES: list[tuple[bytes, int, str]] = [
    (b"\x89PNG\r\n\x1a\n", 0, "image/png"),
    (b"\xff\xd8\xff", 0, "image/jpeg"),
    (b"GIF87a", 0, "image/gif"),
    (b"GIF89a", 0, "image/gif"),
    (b"%PDF-", 0, "application/pdf"),
    (b"PK\x03\x04", 0, "application/zip"),
    # Executables: ELF, Mach-O (32/64-bit, both byte orders, fat binaries); PE below.
    (b"\x7fELF", 0, "application/x-executable"),
    (b"\xfe\xed\xfa\xce", 0, "application/x-mach-binary"),
    (b"\xfe\xed\xfa\xcf", 0, "application/x-mach-binary"),
    (b"\xce\xfa\xed\xfe", 0, "application/x-mach-binary"),
    (b"\xcf\xfa\xed\xfe", 0, "application/x-mach-binary"),
    (b"\xca\xfe\xba\xbe", 0, "application/x-mach-binary"),
]

IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})

# Refused whatever ATTACHMENT_ALLOWED_TYPES says: a browser or an OS would run them.
DENIED_TYPES = frozenset(
    {
        "text/html",
        "image/svg+xml",
        "application/xml",
        "application/javascript",
        "text/x-shellscript",
        "application/x-msdownload",
        "application/x-executable",
        "application/x-mach-binary",
    }
)

# Refused by name, whatever the bytes look like (a harmless-looking .js or .html is still
# one double-click away from running).
DENIED_EXTENSIONS = frozenset({
    "exe", "dll", "com", "scr", "msi", "msp", "cpl", "sys", "drv", "ocx", "bat", "cmd", "ps1",
    "psm1", "psd1", "ps1xml", "vbs", "vbe", "js", "jse", "mjs", "cjs", "wsf", "wsh", "wsc",
    "hta", "html", "htm", "xhtml", "shtml", "mht", "mhtml", "svg", "svgz", "xml", "xsl", "xslt",
    "jar", "class", "sh", "bash", "zsh", "csh", "ksh", "fish", "command", "py", "pyc", "pyw",
    "pl", "rb", "php", "phtml", "php3", "php4", "php5", "asp", "aspx", "jsp", "cgi", "app",
    "dmg", "pkg", "deb", "rpm", "apk", "msix", "appx", "lnk", "url", "reg", "scf", "inf", "iso",
    "img", "elf", "so", "dylib", "bin", "run", "out", "swf", "gadget", "msc", "application",
})  # fmt: skip

# Tags a browser treats as HTML (or SVG) wherever they appear near the start of a text file.
_ACTIVE_TEXT = re.compile(
    rb"<\s*(?:!doctype\s+html|html|head|body|script|iframe|frameset|object|embed|svg|meta"
    rb"|style|title)\b",
    re.IGNORECASE,
)

PREVIEW_MAX_PIXELS = 40_000_000  # larger images are refused (decompression bombs)


def _sniff_text(head: bytes) -> str:
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith(b"#!"):
        return "text/x-shellscript"
    if text.startswith(b"<?xml"):
        return "image/svg+xml" if b"<svg" in text else "application/xml"
    if text.startswith(b"<svg") or b"<svg" in text[:1024]:
        return "image/svg+xml"
    if _ACTIVE_TEXT.search(text[:1024]):
        return "text/html"
    return "text/plain"


_HEADER_LINE = re.compile(rb"^[!-9;-~]{1,76}:")
_MESSAGE_HEADERS = {b"from", b"received", b"return-path", b"message-id", b"date", b"subject"}


def _looks_like_message(head: bytes) -> bool:
    """An RFC 822 message (an attached e-mail): a header block naming at least two of From,
    Received, Return-Path, Message-ID, Date, Subject before the first blank line."""
    names = set()
    for line in head.split(b"\n")[:60]:
        line = line.rstrip(b"\r")
        if not line:
            break
        if line[:1] in (b" ", b"\t"):
            continue
        if not _HEADER_LINE.match(line):
            return False
        names.add(line.split(b":", 1)[0].lower())
    return len(names & _MESSAGE_HEADERS) >= 2


def sniff_content_type(data: bytes) -> str:
    """The content type the bytes really are; text only if it decodes as UTF-8 without NULs
    (HTML, SVG, XML and shell scripts are told apart from plain text)."""
    for magic, offset, ctype in _SIGNATURES:
        if data[offset : offset + len(magic)] == magic:
            return ctype
    if data[:2] == b"MZ" and b"\x00" in data[:64]:  # a DOS/PE header (text has no NULs)
        return "application/x-msdownload"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    head = data[:4096]
    if _looks_like_message(head):  # NULs and all: what a mail server handed over
        return "message/rfc822"
    if b"\x00" not in head:
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as exc:
            # A multi-byte sequence cut at the 4096th byte is still text.
            if exc.start < len(head) - 3:
                return "application/octet-stream"
        return _sniff_text(head)
    return "application/octet-stream"


@dataclass(frozen=True)
class CheckedFile:
    name: str
    content_type: str
    size: int
    sha256: str
    preview: bytes | None = None  # the re-encoded image, for inline display


def _extension_denied(name: str) -> str | None:
    """The refused extension in `name`, if any (every dotted part counts: x.html.txt too)."""
    parts = name.lower().rstrip(". ").split(".")[1:]
    return next((p for p in reversed(parts) if p in DENIED_EXTENSIONS), None)


def check_file(name: str, data: bytes) -> CheckedFile:
    """Validate size, name and sniffed type against the rules; raise ValidationError with
    the reason (the views answer it as a 4xx)."""
    limits = settings.FRONTLINE
    safe_name = name.replace("\\", "/").rsplit("/", 1)[-1].strip()[:200] or "attachment"
    size = len(data)
    if size == 0:
        raise ValidationError(f"{safe_name}: the file is empty.")
    if size > limits["ATTACHMENT_MAX_BYTES"]:
        mb = limits["ATTACHMENT_MAX_BYTES"] / (1024 * 1024)
        raise ValidationError(f"{safe_name}: larger than the {mb:g} MB limit.")
    if ext := _extension_denied(safe_name):
        raise ValidationError(
            f"{safe_name}: .{ext} files are not accepted (programs, scripts and web pages "
            "can run on the reader's computer)."
        )
    ctype = sniff_content_type(data)
    if ctype in DENIED_TYPES:
        raise ValidationError(
            f"{safe_name}: its content is {ctype}, which is not accepted (programs, scripts "
            "and web pages can run on the reader's computer)."
        )
    if ctype not in limits["ATTACHMENT_ALLOWED_TYPES"]:
        raise ValidationError(f"{safe_name}: files of type {ctype} are not accepted.")
    # Pillow refuses what it cannot decode: a PNG signature is not enough to be an image.
    preview = reencode_image(data, ctype, name=safe_name) if ctype in IMAGE_TYPES else None
    return CheckedFile(safe_name, ctype, size, hashlib.sha256(data).hexdigest(), preview)


def preview_type(content_type: str) -> str:
    """The type of an image's re-encoded preview: JPEG stays JPEG, the rest become PNG."""
    return "image/jpeg" if content_type == "image/jpeg" else "image/png"


def reencode_image(data: bytes, content_type: str, *, name: str = "image") -> bytes:
    """A clean copy of the image's pixels (first frame), as JPEG or PNG with no metadata.

    Whatever else the file carried — EXIF/GPS, comments, an HTML or ZIP tail after the image
    data — is not in the output. Raises ValidationError when Pillow cannot decode it or it
    is too large (a decompression bomb).
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as source:
                if source.width * source.height > PREVIEW_MAX_PIXELS:
                    raise ValidationError(f"{name}: the image is too large to preview.")
                source.seek(0)
                image = ImageOps.exif_transpose(source)  # keep the orientation, drop the EXIF
                image.load()
    except ValidationError:
        raise
    except (
        UnidentifiedImageError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
        OSError,
        ValueError,
        SyntaxError,
    ) as exc:
        raise ValidationError(f"{name}: the image could not be read.") from exc
    out = io.BytesIO()
    if preview_type(content_type) == "image/jpeg":
        clean = Image.new("RGB", image.size)
        clean.paste(image.convert("RGB"))
        clean.save(out, format="JPEG", quality=90)
    else:
        mode = "RGBA" if image.mode in ("RGBA", "LA", "P", "PA") else "RGB"
        clean = Image.new(mode, image.size)
        clean.paste(image.convert(mode))
        clean.save(out, format="PNG", optimize=False)
    return out.getvalue()


SAFE_PREVIEW_MAX_SIDE = 320  # the derivative is small: detail lost to downscaling stays lost
SAFE_PREVIEW_BLUR = 0.06  # Gaussian radius as a share of the longer side (at least 6 px)


def safe_preview_image(data: bytes, *, name: str = "image") -> bytes:
    """The safe view of an image for sensitive tickets: greyscale, downscaled to at most
    SAFE_PREVIEW_MAX_SIDE pixels and heavily blurred, as a PNG with no metadata. What
    shapes the picture has stays recognisable; what it shows does not. Raises
    ValidationError when Pillow cannot decode the image (as reencode_image)."""
    clean = reencode_image(data, "image/png", name=name)
    with Image.open(io.BytesIO(clean)) as image:
        grey = image.convert("L")
    grey.thumbnail((SAFE_PREVIEW_MAX_SIDE, SAFE_PREVIEW_MAX_SIDE))
    radius = max(6.0, max(grey.size) * SAFE_PREVIEW_BLUR)
    blurred = grey.filter(ImageFilter.GaussianBlur(radius))
    out = io.BytesIO()
    blurred.save(out, format="PNG")
    return out.getvalue()
