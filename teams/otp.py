"""How an authenticator secret is shown: a QR code as inline SVG (no script) and grouped text."""

from base64 import b32encode

import qrcode
import qrcode.image.svg
from django.utils.safestring import SafeString, mark_safe


def totp_qr_svg(config_url: str) -> SafeString:
    """The otpauth:// URL as SVG markup; every byte of it is generated here, none from input."""
    image = qrcode.make(config_url, image_factory=qrcode.image.svg.SvgPathImage, border=2)
    svg = image.to_string(encoding="unicode")
    svg = svg.replace(
        "<svg ", '<svg role="img" aria-label="QR code for your authenticator app" ', 1
    )
    return mark_safe(svg)  # noqa: S308 - generated SVG paths, no user-supplied markup


def totp_secret_text(bin_key: bytes) -> str:
    """The secret in base32 as apps ask for it when typed in, in groups of four."""
    secret = b32encode(bin_key).decode("ascii").rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
