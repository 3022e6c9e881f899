"""Outbound webhooks: signed JSON POSTs of ticket events to the endpoints that subscribe.

- `webhooks_emit` runs inside the change's transaction: one WebhookDelivery row per active
  endpoint subscribed to the event, and one outbox message that, after commit, queues a
  Celery task per delivery (a broker outage loses nothing: the outbox relay re-sends).
- `webhook_attempt` (the task's body) POSTs the delivery's payload, signed with the
  endpoint's secret: header `X-Frontline-Signature: t=<unix>,v1=<hex>` where hex is
  HMAC-SHA256(secret, "<t>.<body>"). Every attempt is logged. 2xx succeeds; 5xx, 408, 429,
  timeouts and connection errors are retried with exponential backoff plus jitter, capped,
  up to FRONTLINE["WEBHOOK_MAX_ATTEMPTS"]; any other answer fails the delivery at once.
- A delivery that succeeded is never sent again by a duplicate task; only an admin's
  replay (`webhook_replay`) sends it again — same event id, a new attempt in the log.
"""

from .delivery import (
    AttemptResult,
    backoff_seconds,
    webhook_attempt,
    webhook_replay,
    webhooks_retry_lost,
)
from .emit import ticket_data, webhooks_emit, webhooks_emit_for_ids
from .endpoints import (
    webhook_endpoint_create,
    webhook_endpoint_rotate_secret,
    webhook_endpoint_update,
)
from .signing import body_bytes, new_secret, sign, signature_header

__all__ = [
    "AttemptResult",
    "backoff_seconds",
    "body_bytes",
    "new_secret",
    "sign",
    "signature_header",
    "ticket_data",
    "webhook_attempt",
    "webhook_endpoint_create",
    "webhook_endpoint_rotate_secret",
    "webhook_endpoint_update",
    "webhook_replay",
    "webhooks_emit",
    "webhooks_emit_for_ids",
    "webhooks_retry_lost",
]
