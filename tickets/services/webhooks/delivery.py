"""Sending webhook deliveries: one signed POST per attempt, every attempt logged.

2xx succeeds; 5xx, 408, 429, timeouts and connection errors are retried with exponential
backoff plus jitter, capped, up to FRONTLINE["WEBHOOK_MAX_ATTEMPTS"]; any other answer fails
the delivery at once. A delivery that succeeded is never sent again by a duplicate task; only
an admin's replay (`webhook_replay`) sends it again — same event id, a new attempt in the log.
"""

from __future__ import annotations

import secrets
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.effects import after_commit, enqueue
from core.netguard import AddressRefused, guarded_opener

from ...models import WebhookAttempt, WebhookDelivery
from ..notify import setting_fault_report
from .emit import DELIVER
from .signing import body_bytes, signature_header

USER_AGENT = "Frontline-Webhooks/1"
RETRY_STATUSES = frozenset({408, 429})
LOST_AFTER = timedelta(minutes=2)
EARLY = timedelta(seconds=5)  # Celery countdowns may fire slightly early


def _conf(name: str):
    return settings.FRONTLINE[name]


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


def _opener() -> urllib.request.OpenerDirector:
    """Connections go only to the public addresses the URL's host resolves to now, checked
    at send time (core.netguard), unless WEBHOOK_ALLOW_PRIVATE_ADDRESSES is on."""
    allow = bool(_conf("WEBHOOK_ALLOW_PRIVATE_ADDRESSES"))
    return guarded_opener(allow_private=allow, handlers=(_NoRedirect,))


def _post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int | None, str, str, dict]:
    """POST and return (status code, response excerpt, error, response headers). An address
    the guard refuses is an error starting with "refused:" (never retried)."""
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
    timeout = float(_conf("WEBHOOK_TIMEOUT_SECONDS"))
    try:
        with _opener().open(request, timeout=timeout) as response:
            return response.status, _excerpt(response.read(2048)), "", dict(response.headers)
    except urllib.error.HTTPError as exc:
        return exc.code, _excerpt(exc.read(2048)), "", dict(exc.headers or {})
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, AddressRefused):
            return None, "", str(reason)[:300], {}
        if isinstance(reason, TimeoutError):
            return None, "", f"timeout after {timeout:g} s", {}
        return None, "", f"connection error: {reason}"[:300], {}
    except TimeoutError:
        return None, "", f"timeout after {timeout:g} s", {}
    except AddressRefused as exc:
        return None, "", str(exc)[:300], {}
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
    if status_code is None:  # timeouts and connection errors; a refused address is final
        return bool(error) and not error.startswith("refused:")
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
        if error.startswith("refused:"):  # a URL saved before the check, or a DNS change
            setting_fault_report(setting=endpoint, problem=error)
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
    delivery = WebhookDelivery.objects.select_for_update(of=("self",)).get(pk=delivery.pk)
    delivery.replay_requested_at = timezone.now()
    delivery.save(update_fields=["replay_requested_at"])
    pk = delivery.pk
    after_commit(DELIVER, args=(pk,), kwargs={"replay": True})
    return delivery


def webhooks_retry_lost(*, now=None, limit: int = 500) -> int:
    """Beat: queue again retries whose Celery message was lost (due more than 2 minutes ago)."""
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
        enqueue(DELIVER, args=(pk,))
    return len(ids)
