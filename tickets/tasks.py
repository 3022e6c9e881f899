"""Celery entry points for tickets: take ids, reload, call a service; safe to run twice."""

from __future__ import annotations

import imaplib
import logging
from urllib.parse import unquote, urlparse

from celery import shared_task
from django.conf import settings

from .mail.inbound import UnreadableEmail
from .mail.outbound import send_confirmation, send_public_reply
from .models import Message, Ticket
from .services import (
    csat,
    email_ingest,
    escalation,
    outbox_relay_pending,
    outbox_run,
    pending_automation_sweep,
    privacy,
    webhooks,
)

logger = logging.getLogger(__name__)


@shared_task(bind=True, max_retries=5, default_retry_delay=30, soft_time_limit=50, time_limit=60)
def message_send_email(self, message_id: int) -> str | None:
    """Send an agent's public reply to the requester once (skips if already sent)."""
    message = Message.objects.select_related("ticket__requester").filter(pk=message_id).first()
    if message is None or message.email_message_id or not message.is_public:
        return None
    try:
        return send_public_reply(message)
    except OSError as exc:  # SMTP down: try again later, the message is kept
        raise self.retry(exc=exc) from exc


@shared_task(bind=True, max_retries=5, default_retry_delay=30, soft_time_limit=50, time_limit=60)
def ticket_send_confirmation(self, ticket_id: int) -> str | None:
    """Email the requester the reference of their new ticket."""
    ticket = Ticket.objects.select_related("requester").filter(pk=ticket_id).first()
    if ticket is None:
        return None
    try:
        return send_confirmation(ticket)
    except OSError as exc:
        raise self.retry(exc=exc) from exc


def imap_connect(url: str):
    """Open the mailbox named by imaps://user:password@host:port/MAILBOX (or imap://)."""
    parts = urlparse(url)
    if parts.scheme not in ("imap", "imaps"):
        raise ValueError("INBOUND_IMAP_URL must start with imap:// or imaps://")
    cls = imaplib.IMAP4_SSL if parts.scheme == "imaps" else imaplib.IMAP4
    conn = cls(parts.hostname, parts.port or (993 if parts.scheme == "imaps" else 143))
    conn.login(unquote(parts.username or ""), unquote(parts.password or ""))
    conn.select(unquote(parts.path.lstrip("/")) or "INBOX")
    return conn


@shared_task(acks_late=True, soft_time_limit=240, time_limit=300)
def inbound_poll_imap(limit: int = 200) -> dict[str, int]:
    """Fetch unseen messages from the configured mailbox, file each, then mark it seen.

    A message is marked seen only after it was filed, so a crash means it is read again
    next time — and filing the same Message-ID twice is a no-op.
    """
    url = settings.FRONTLINE.get("INBOUND_IMAP_URL", "")
    counts: dict[str, int] = {}
    if not url:
        return counts
    conn = imap_connect(url)
    try:
        _typ, data = conn.search(None, "UNSEEN")
        for num in (data[0] or b"").split()[:limit]:
            _typ, fetched = conn.fetch(num, "(BODY.PEEK[])")
            raw = next((part[1] for part in fetched if isinstance(part, tuple)), b"")
            try:
                outcome = email_ingest(raw=raw).outcome
            except UnreadableEmail:
                outcome = "unreadable"
            counts[outcome] = counts.get(outcome, 0) + 1
            conn.store(num, "+FLAGS", "\\Seen")
    finally:
        try:
            conn.close()
        finally:
            conn.logout()
    logger.info("IMAP poll: %s", counts)
    return counts


# SLA, escalation and the outbox (tickets/services/escalation/, outbox.py). Settings make
# every task acks_late with reject_on_worker_lost and give them time limits; each task here
# is safe to run twice.


@shared_task(acks_late=True, reject_on_worker_lost=True, soft_time_limit=50, time_limit=60)
def sla_sweep() -> dict[str, int]:
    """Beat, every minute: warn on at-risk SLA targets, escalate breaches (once each)."""
    result = escalation.sla_sweep()
    return {
        "at_risk": len(result.at_risk),
        "breached": len(result.breached),
        "second_level": len(result.second_level),
    }


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=8,
    soft_time_limit=110,
    time_limit=120,
)
def outbox_deliver(self, message_id: int) -> bool:
    """Run one outbox message (a no-op when it already ran); retried with backoff on errors."""
    try:
        return outbox_run(message_id=message_id)
    except OSError as exc:  # e.g. SMTP down: the row stays pending
        raise self.retry(exc=exc, countdown=min(30 * 2**self.request.retries, 3600)) from exc


@shared_task(acks_late=True, reject_on_worker_lost=True, soft_time_limit=50, time_limit=60)
def outbox_relay() -> int:
    """Beat, every minute: send again outbox messages the broker or a worker lost."""
    return outbox_relay_pending()


@shared_task(bind=True, max_retries=5, default_retry_delay=60, soft_time_limit=50, time_limit=60)
def csat_send_survey(self, ticket_id: int) -> int | None:
    """Send the CSAT survey of a solved ticket (a no-op once sent, or if it was reopened)."""
    try:
        response = csat.csat_send_survey(ticket_id=ticket_id)
    except OSError as exc:  # SMTP down
        raise self.retry(exc=exc) from exc
    return response.pk if response else None


@shared_task(acks_late=True, reject_on_worker_lost=True, soft_time_limit=120, time_limit=150)
def webhook_deliver(delivery_id: int, replay: bool = False) -> int | None:
    """POST one webhook delivery (a no-op once it succeeded); queues its own retry with the
    backoff the service decided. Returns the HTTP status (None on a network error or skip)."""
    result = webhooks.webhook_attempt(delivery_id=delivery_id, replay=replay)
    if result.retry_in is not None:
        webhook_deliver.apply_async((delivery_id,), countdown=result.retry_in)
    return result.status_code


@shared_task(acks_late=True, reject_on_worker_lost=True, soft_time_limit=50, time_limit=60)
def webhooks_retry_lost() -> int:
    """Beat, every minute: queue again webhook deliveries whose retry message was lost."""
    return webhooks.webhooks_retry_lost()


@shared_task(acks_late=True, reject_on_worker_lost=True, soft_time_limit=240, time_limit=300)
def pending_automation() -> dict[str, int]:
    """Beat, every 10 minutes: remind pending requesters, auto-solve, auto-close (once each)."""
    result = pending_automation_sweep()
    return {
        "reminded": len(result.reminded),
        "solved": len(result.solved),
        "closed": len(result.closed),
    }


@shared_task(acks_late=True, reject_on_worker_lost=True, soft_time_limit=1700, time_limit=1800)
def retention_run() -> dict[str, int]:
    """Beat, nightly: purge old sensitive attachments and anonymise long-closed requesters
    (tickets/services/privacy/); the counts go to the audit trail. Safe to run twice."""
    result = privacy.retention_run()
    return {
        "attachments": result.attachments,
        "files": result.files,
        "requesters": result.requesters,
        "tickets": result.tickets,
    }
