"""API tokens: create (the secret is returned once), revoke, and note their use."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from ..models import ApiToken

SECRET_PREFIX = "flt_"  # noqa: S105 - a marker that makes leaked keys greppable, not a secret
MAX_DAYS = 365
# last_used_at is written at most this often per token, so a busy script costs one UPDATE
# a minute rather than one per request.
TOUCH_EVERY = timedelta(minutes=1)


def api_token_digest(secret: str) -> str:
    """The stored form of a secret (hex SHA-256)."""
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


@transaction.atomic
def api_token_create(
    *, user, name: str, scope: str, days: int, now: datetime | None = None
) -> tuple[ApiToken, str]:
    """Create a token for `user` valid for `days` (1-365) and return it with its secret.

    The secret is not stored (only its digest): the caller shows it once. Raises
    ValidationError for an empty name, an unknown scope or an expiry out of range."""
    name = " ".join(name.split())
    if not name:
        raise ValidationError("Give the token a name.")
    if scope not in ApiToken.Scope.values:
        raise ValidationError(f"Unknown scope: {scope}")
    if not 1 <= days <= MAX_DAYS:
        raise ValidationError(f"A token expires after 1 to {MAX_DAYS} days.")
    now = now or timezone.now()
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name[:100],
        scope=scope,
        prefix=secret[:10],
        key_hash=api_token_digest(secret),
        created_at=now,
        expires_at=now + timedelta(days=days),
    )
    return token, secret


@transaction.atomic
def api_token_revoke(*, token: ApiToken, by, now: datetime | None = None) -> ApiToken:
    """Revoke the token at once (its next request gets 401). Only its owner may; revoking
    twice keeps the first time."""
    if token.user_id != by.pk:
        raise PermissionDenied("You can only revoke your own tokens.")
    if token.revoked_at is None:
        token.revoked_at = now or timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def api_token_touch(*, token: ApiToken, now: datetime | None = None) -> None:
    """Record that the token was just used (at most once per TOUCH_EVERY, race-free)."""
    now = now or timezone.now()
    if token.last_used_at is not None and now - token.last_used_at < TOUCH_EVERY:
        return
    ApiToken.objects.filter(pk=token.pk).exclude(last_used_at__gt=now - TOUCH_EVERY).update(
        last_used_at=now
    )
    token.last_used_at = now
