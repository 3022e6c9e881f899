"""What the webhook delivery log shows an admin."""

from __future__ import annotations

from django.db.models import QuerySet

from ..models import WebhookDelivery, WebhookEvent
from ..permissions import webhook_deliveries_visible_to


def webhook_deliveries_for(
    *, user, endpoint: str = "", event: str = "", status: str = ""
) -> QuerySet[WebhookDelivery]:
    """The delivery log an admin filters by endpoint, event and status (others: empty)."""
    qs = webhook_deliveries_visible_to(user).select_related("endpoint")
    if endpoint.isdigit():
        qs = qs.filter(endpoint_id=int(endpoint))
    if event in WebhookEvent.values:
        qs = qs.filter(event=event)
    if status in WebhookDelivery.Status.values:
        qs = qs.filter(status=status)
    return qs.defer("payload").order_by("-created_at", "-pk")


def webhook_delivery_detail(*, user, pk: int) -> WebhookDelivery:
    """One delivery with its attempts, for an admin; DoesNotExist for anyone else."""
    return (
        webhook_deliveries_visible_to(user)
        .select_related("endpoint")
        .prefetch_related("log")
        .get(pk=pk)
    )
