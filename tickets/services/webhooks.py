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

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from core.memo import Memo

from ..caches import WEBHOOK_ENDPOINTS
from ..models import Ticket, WebhookAttempt, WebhookDelivery, WebhookEndpoint, WebhookEvent
from .outbox import outbox_add, outbox_handler

USER_AGENT = "Frontline-Webhooks/1"
RETRY_STATUSES = frozenset({408, 429})
LOST_AFTER = timedelta(minutes=2)
EARLY = timedelta(seconds=5)  # Celery countdowns may fire slightly early


def _conf(name: str):
    return settings.FRONTLINE[name]


# --- signing ---------------------------------------------------------------------------------


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


# --- endpoints (admins) ------------------------------------------------------------------------


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


# --- emitting events ---------------------------------------------------------------------------


def ticket_data(ticket: Ticket) -> dict:
    """The ticket as receivers see it (requester included: erasure rewrites `payload`)."""
    requester = ticket.requester
    return {
        "id": ticket.pk,
        "reference": ticket.reference,
        "subject": ticket.subject,
        "status": ticket.status,
        "priority": Ticket.Priority(ticket.priority).name.lower(),
        "channel": ticket.channel,
        "language": ticket.language,
        "category": ticket.category.slug,
        "team_id": ticket.team_id,
        "assignee_id": ticket.assignee_id,
        "created_at": ticket.created_at,
        "updated_at": ticket.updated_at,
        "solved_at": ticket.solved_at,
        "closed_at": ticket.closed_at,
        "requester": {"id": requester.pk, "email": requester.email, "name": requester.name},
    }


# Every ticket write asks who subscribes; endpoints change a few times a year. Each process
# keeps the active endpoints' ids and events while the version of
# tickets.caches.WEBHOOK_ENDPOINTS stands (any write to an endpoint moves it).
_endpoints: Memo[tuple[tuple[int, frozenset[str]], ...]] = Memo(
    WEBHOOK_ENDPOINTS.version_key, size=1
)


def _active_endpoints() -> tuple[tuple[int, frozenset[str]], ...]:
    active = WebhookEndpoint.objects.filter(active=True).order_by("pk")
    return tuple((pk, frozenset(ev or ())) for pk, ev in active.values_list("pk", "events"))


def _subscribers(event: str) -> list[int]:
    """Ids of the active endpoints that subscribe to `event`: one cache read when current."""
    return [pk for pk, events in _endpoints.get("active", _active_endpoints) if event in events]


def _record(
    *, event: str, tickets, endpoints: list[int], extra: dict | None, now
) -> list[WebhookDelivery]:
    """One event per ticket (its id shared by that ticket's deliveries), a delivery per
    subscribed endpoint, written together; the POSTs are handed to the outbox after commit."""
    deliveries = []
    for ticket in tickets:
        event_id = str(uuid.uuid4())
        payload = json.loads(
            body_bytes(
                {
                    "id": event_id,
                    "event": event,
                    "created_at": now,
                    "data": {"ticket": ticket_data(ticket), **(extra or {})},
                }
            )
        )
        deliveries += [
            WebhookDelivery(
                endpoint_id=e,
                event=event,
                event_id=event_id,
                ticket_id=ticket.pk,
                payload=payload,
                created_at=now,
                next_attempt_at=now,
            )
            for e in endpoints
        ]
    deliveries = WebhookDelivery.objects.bulk_create(deliveries)
    ids = [d.pk for d in deliveries if d.pk] or list(
        WebhookDelivery.objects.filter(event_id__in={d.event_id for d in deliveries})
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for start in range(0, len(ids), 500):
        outbox_add(task="webhooks.dispatch", payload={"ids": ids[start : start + 500]})
    return deliveries


def webhooks_emit(
    *, event: str, ticket: Ticket, extra: dict | None = None, now=None
) -> list[WebhookDelivery]:
    """Record `event` about `ticket` for every subscribed endpoint, in the caller's
    transaction; the POSTs go out after commit. One event id is shared by its deliveries."""
    endpoints = _subscribers(event)
    if not endpoints:
        return []
    return _record(
        event=event, tickets=[ticket], endpoints=endpoints, extra=extra, now=now or timezone.now()
    )


def webhooks_emit_for_ids(*, event: str, ticket_ids, extra: dict | None = None, now=None) -> int:
    """The set-based form (e.g. the SLA sweep's escalations): one event per ticket id, the
    subscribers read once and every delivery written in one statement."""
    endpoints = _subscribers(event) if ticket_ids else []
    if not endpoints:
        return 0
    tickets = (
        Ticket.objects.filter(pk__in=ticket_ids)
        .select_related("category", "requester")
        .order_by("pk")
    )
    return len(
        _record(
            event=event,
            tickets=tickets,
            endpoints=endpoints,
            extra=extra,
            now=now or timezone.now(),
        )
    )


@outbox_handler("webhooks.dispatch")
def _dispatch(payload: dict) -> None:
    from ..tasks import webhook_deliver

    for pk in payload["ids"]:
        webhook_deliver.delay(pk)


# --- sending ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class AttemptResult:
    """What one run of the delivery task did: sent or not, the answer, when to retry."""

    sent: bool
    status_code: int | None = None
    error: str = ""
    retry_in: int | None = None


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None  # a redirect is an answer to log, never followed with the signed body


_opener = urllib.request.build_opener(_NoRedirect)


def _post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int | None, str, str, dict]:
    """POST and return (status code, response excerpt, error, response headers)."""
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
    timeout = float(_conf("WEBHOOK_TIMEOUT_SECONDS"))
    try:
        with _opener.open(request, timeout=timeout) as response:
            return response.status, _excerpt(response.read(2048)), "", dict(response.headers)
    except urllib.error.HTTPError as exc:
        return exc.code, _excerpt(exc.read(2048)), "", dict(exc.headers or {})
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, TimeoutError):
            return None, "", f"timeout after {timeout:g} s", {}
        return None, "", f"connection error: {reason}"[:300], {}
    except TimeoutError:
        return None, "", f"timeout after {timeout:g} s", {}
    except (ConnectionError, OSError) as exc:
        return None, "", f"connection error: {exc}"[:300], {}


def _excerpt(raw: bytes) -> str:
    return raw.decode("utf-8", errors="replace")[:500]


def backoff_seconds(attempt: int, retry_after: str | None = None) -> int:
    """Delay before attempt `attempt + 1`: base × 2^(attempt-1) plus up to 20 % jitter,
    capped; a numeric Retry-After from the receiver is honoured (within the cap)."""
    base = int(_conf("WEBHOOK_BACKOFF_BASE_SECONDS"))
    cap = int(_conf("WEBHOOK_BACKOFF_MAX_SECONDS"))
    delay = base * 2 ** max(attempt - 1, 0)
    delay += secrets.SystemRandom().uniform(0, delay * 0.2)
    if retry_after and retry_after.strip().isdigit():
        delay = max(delay, int(retry_after.strip()))
    return int(min(delay, cap))


def _retryable(status_code: int | None, error: str) -> bool:
    if status_code is None:
        return bool(error)  # timeouts and connection errors
    return status_code >= 500 or status_code in RETRY_STATUSES


def webhook_attempt(*, delivery_id: int, replay: bool = False) -> AttemptResult:
    """POST one delivery once, log the attempt, and say whether (and when) to retry.

    Safe to run twice: a succeeded delivery is not sent again, a failed one is not retried
    past its attempts, and a replay runs only if an admin asked for one since the last.
    The row is locked while sending, so two copies of the task never send concurrently.
    """
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update(of=("self",))
            .select_related("endpoint")
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None:
            return AttemptResult(sent=False)
        if replay:
            if delivery.replay_requested_at is None:
                return AttemptResult(sent=False)
        elif delivery.status in (WebhookDelivery.Status.SUCCEEDED, WebhookDelivery.Status.FAILED):
            return AttemptResult(sent=False)
        elif delivery.next_attempt_at and delivery.next_attempt_at > timezone.now() + EARLY:
            return AttemptResult(sent=False)  # a duplicate of a retry that is not due yet
        endpoint = delivery.endpoint
        body = body_bytes(delivery.payload)
        started = timezone.now()
        timestamp = int(started.timestamp())
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "X-Frontline-Event": delivery.event,
            "X-Frontline-Event-Id": str(delivery.event_id),
            "X-Frontline-Delivery": str(delivery.pk),
            "X-Frontline-Signature": signature_header(endpoint.secret, timestamp, body),
        }
        clock = time.monotonic()
        status_code, excerpt, error, response_headers = _post(endpoint.url, body, headers)
        duration_ms = int((time.monotonic() - clock) * 1000)
        number = delivery.attempts + 1
        ok = status_code is not None and 200 <= status_code < 300
        retry_in = None
        if (
            not ok
            and not replay
            and _retryable(status_code, error)
            and number < int(_conf("WEBHOOK_MAX_ATTEMPTS"))
        ):
            retry_in = backoff_seconds(number, response_headers.get("Retry-After"))
        WebhookAttempt.objects.create(
            delivery=delivery,
            number=number,
            started_at=started,
            duration_ms=duration_ms,
            status_code=status_code,
            response_excerpt=excerpt,
            error=error,
            replay=replay,
            retry_in_seconds=retry_in,
        )
        delivery.attempts = number
        delivery.last_status = status_code
        delivery.last_error = error or ("" if ok else f"HTTP {status_code}")
        delivery.replay_requested_at = None
        if ok:
            delivery.status = WebhookDelivery.Status.SUCCEEDED
            delivery.delivered_at = timezone.now()
            delivery.next_attempt_at = None
        elif retry_in is not None:
            delivery.status = WebhookDelivery.Status.RETRYING
            delivery.next_attempt_at = started + timedelta(seconds=retry_in)
        else:
            delivery.status = WebhookDelivery.Status.FAILED
            delivery.next_attempt_at = None
        delivery.save()
    return AttemptResult(sent=True, status_code=status_code, error=error, retry_in=retry_in)


@transaction.atomic
def webhook_replay(*, delivery: WebhookDelivery, by) -> WebhookDelivery:
    """Send a delivery again (an admin's button): same event id and body, a new attempt."""
    from ..tasks import webhook_deliver

    delivery = WebhookDelivery.objects.select_for_update(of=("self",)).get(pk=delivery.pk)
    delivery.replay_requested_at = timezone.now()
    delivery.save(update_fields=["replay_requested_at"])
    pk = delivery.pk
    transaction.on_commit(lambda: webhook_deliver.delay(pk, replay=True))
    return delivery


def webhooks_retry_lost(*, now=None, limit: int = 500) -> int:
    """Beat: queue again retries whose Celery message was lost (due more than 2 minutes ago)."""
    from ..tasks import webhook_deliver

    now = now or timezone.now()
    ids = list(
        WebhookDelivery.objects.filter(
            status__in=(WebhookDelivery.Status.RETRYING, WebhookDelivery.Status.PENDING),
            next_attempt_at__lte=now - LOST_AFTER,
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    for pk in ids:
        webhook_deliver.delay(pk)
    return len(ids)
