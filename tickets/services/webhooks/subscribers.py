"""Which endpoints subscribe to an event: the process memo of the active endpoints (the one
cache of the webhooks, kept here whole: its version key, the memo and its invalidation)."""

from __future__ import annotations

from core.cache import cache_version, cache_version_bump

from ...models import WebhookEndpoint

# Every ticket write asks who subscribes; endpoints change a few times a year. Each process
# keeps the active endpoints' ids and events while the version in the cache stands;
# tickets.signals moves it on any write to an endpoint (webhook_endpoints_changed).
ENDPOINTS_VERSION = "tickets:webhook-endpoints:version"
_endpoints: list[tuple[int, tuple[tuple[int, frozenset[str]], ...]]] = []


def webhook_endpoints_changed() -> None:
    cache_version_bump(ENDPOINTS_VERSION)


def _subscribers(event: str) -> list[int]:
    """Ids of the active endpoints that subscribe to `event`: one cache read when current."""
    version = cache_version(ENDPOINTS_VERSION)
    if not _endpoints or _endpoints[0][0] != version:
        active = WebhookEndpoint.objects.filter(active=True).order_by("pk")
        _endpoints[:] = [
            (
                version,
                tuple((pk, frozenset(ev or ())) for pk, ev in active.values_list("pk", "events")),
            )
        ]
    return [pk for pk, events in _endpoints[0][1] if event in events]
