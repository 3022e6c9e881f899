"""Signing webhook bodies: header `X-Frontline-Signature: t=<unix>,v1=<hex>` where hex is
HMAC-SHA256(secret, "<t>.<body>"), and the exact bytes that are sent and signed."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets

from django.core.serializers.json import DjangoJSONEncoder


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def body_bytes(payload: dict) -> bytes:
    """The exact bytes sent (and signed): compact JSON with sorted keys, so a replay of the
    stored payload produces the same body whatever order the database kept the keys in."""
    return json.dumps(
        payload, cls=DjangoJSONEncoder, sort_keys=True, separators=(",", ":")
    ).encode()


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """Hex HMAC-SHA256 of "<timestamp>.<body>" with the endpoint's secret."""
    message = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_header(secret: str, timestamp: int, body: bytes) -> str:
    return f"t={timestamp},v1={sign(secret, timestamp, body)}"
