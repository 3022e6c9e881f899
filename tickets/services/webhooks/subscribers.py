"""Which endpoints subscribe to an event: the active endpoints kept in process memory while the
version of tickets.caches.WEBHOOK_ENDPOINTS stands (any write to an endpoint moves it)."""

from __future__ import annotations

from core.memo import Memo

from ...caches import WEBHOOK_ENDPOINTS
from ...models import WebhookEndpoint

# Every ticket write asks who subscribes; endpoints change a few times a year.
_endpoints: Memo[tuple[tuple[int, frozenset[str]], ...]] = Memo(
    WEBHOOK_ENDPOINTS.version_key, size=1
)


def _active_endpoints() -> tuple[tuple[int, frozenset[str]], ...]:
    active = WebhookEndpoint.objects.filter(active=True).order_by("pk")
    return tuple((pk, frozenset(ev or ())) for pk, ev in active.values_list("pk", "events"))


def _subscribers(event: str) -> list[int]:
    """Ids of the active endpoints that subscribe to `event`: one cache read when current."""
    return [pk for pk, events in _endpoints.get("active", _active_endpoints) if event in events]
