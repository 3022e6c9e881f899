"""Webhook endpoints, the admins' side: add, change, rotate the secret."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from ...models import WebhookEndpoint, WebhookEvent
from ...validators import validate_webhook_url
from .signing import new_secret


def _clean_events(events) -> list[str]:
    chosen = sorted(set(events or ()))
    unknown = [e for e in chosen if e not in WebhookEvent.values]
    if unknown:
        raise ValidationError(f"Unknown webhook event(s): {', '.join(unknown)}.")
    if not chosen:
        raise ValidationError("Pick at least one event to send.")
    return chosen


def _clean_url(url: str) -> str:
    url = (url or "").strip()
    if not url.startswith(("https://", "http://")):
        raise ValidationError("The endpoint URL must start with https:// (or http://).")
    validate_webhook_url(url)
    return url


@transaction.atomic
def webhook_endpoint_create(
    *, by, url: str, events, name: str = "", active: bool = True
) -> tuple[WebhookEndpoint, str]:
    """Add an endpoint; returns it with its new secret (shown once to the admin)."""
    secret = new_secret()
    endpoint = WebhookEndpoint.objects.create(
        name=name.strip()[:100],
        url=_clean_url(url),
        events=_clean_events(events),
        active=active,
        secret=secret,
        created_by=by if getattr(by, "pk", None) else None,
    )
    return endpoint, secret


@transaction.atomic
def webhook_endpoint_update(
    *, endpoint: WebhookEndpoint, url: str, events, name: str = "", active: bool = True
) -> WebhookEndpoint:
    """Change an endpoint's URL, name, events or active flag (its secret stays)."""
    endpoint.name = name.strip()[:100]
    endpoint.url = _clean_url(url)
    endpoint.events = _clean_events(events)
    endpoint.active = active
    endpoint.save(update_fields=["name", "url", "events", "active"])
    return endpoint


@transaction.atomic
def webhook_endpoint_rotate_secret(*, endpoint: WebhookEndpoint) -> str:
    """Give the endpoint a new secret (returned once); later attempts are signed with it."""
    endpoint.secret = new_secret()
    endpoint.secret_rotated_at = timezone.now()
    endpoint.save(update_fields=["secret", "secret_rotated_at"])
    return endpoint.secret
