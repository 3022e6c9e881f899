"""Writing the audit trail. Every security-relevant write in any app calls `audit_record`."""

from __future__ import annotations

import contextvars
import hashlib
import hmac
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

from ..models import AuditEntry

# The request being served, set by teams.middleware.AuditRequestMiddleware, so services deep
# in a call chain record the caller's address without every signature carrying `request`.
current_request: contextvars.ContextVar = contextvars.ContextVar("audit_request", default=None)

Action = AuditEntry.Action


def _client(request) -> tuple[str | None, str]:
    if request is None:
        return None, ""
    meta = getattr(request, "META", {})
    ip = meta.get("REMOTE_ADDR") or None
    # Behind NUM_PROXIES reverse proxies (the setting the API's throttles use), the client is
    # the entry that many places from the right of X-Forwarded-For; entries further left are
    # whatever the client claimed.
    proxies = settings.REST_FRAMEWORK.get("NUM_PROXIES") or 0
    forwarded = [a.strip() for a in meta.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
    if proxies and forwarded:
        ip = forwarded[-min(proxies, len(forwarded))]
    return ip, meta.get("HTTP_USER_AGENT", "")[:300]


def client_ip(request) -> str | None:
    """The client's address as the audit trail records it (NUM_PROXIES); login lockouts
    (django-axes, AXES_CLIENT_IP_CALLABLE) count failures per this address too."""
    return _client(request)[0]


def _target(target) -> tuple[str, str, str]:
    if target is None:
        return "", "", ""
    if isinstance(target, models.Model):
        label = getattr(target, "audit_label", None) or f"{target._meta.verbose_name} #{target.pk}"
        return target._meta.label_lower, str(target.pk), str(label)[:200]
    if isinstance(target, tuple):  # ("tickets.ticket", 12) or ("metrics.dataset", "tickets", label)
        kind, pk, *label = target
        return str(kind), str(pk), str(label[0] if label else "")[:200]
    raise TypeError(f"Unsupported audit target: {target!r}")


def audit_record(
    *,
    actor,
    action: str,
    target: Any = None,
    detail: dict | None = None,
    request=None,
    at=None,
) -> AuditEntry:
    """Append one entry to the audit trail and return it.

    `actor` is a user or None (the system, an anonymous visitor). `target` is a model instance
    (named by its label and pk — never by its text, which may be personal data), a tuple
    (type, id[, label]) or None. `detail` is a JSON-serialisable dict; callers must not put a
    requester's personal data in it (use `pii_hash`). `request` (or, by default, the request
    being served) gives the IP address and user agent. Runs inside the caller's transaction,
    so an entry exists exactly when the change it describes was committed.
    """
    if action not in Action.values:
        raise ValueError(f"Unknown audit action {action!r}.")
    request = request if request is not None else current_request.get()
    ip, agent = _client(request)
    kind, pk, label = _target(target)
    user = actor if getattr(actor, "pk", None) else None
    return AuditEntry.objects.create(
        at=at or timezone.now(),
        actor=user,
        actor_label=(user.get_username() if user else "")[:150],
        action=action,
        target_type=kind,
        target_id=pk,
        target_label=label,
        detail=detail or {},
        ip=ip,
        user_agent=agent,
    )


def pii_hash(value: str) -> str:
    """A keyed hash (HMAC-SHA256 with SECRET_KEY) of a personal identifier, lower-cased: lets
    an auditor confirm that an erasure concerned a given address without the trail holding
    the address, and unlike a plain hash it cannot be reversed by hashing guessed addresses."""
    key = settings.SECRET_KEY.encode("utf-8")
    digest = hmac.new(key, value.strip().lower().encode("utf-8"), hashlib.sha256).hexdigest()
    return f"hmac-sha256:{digest}"


def audit_stream(
    lines: Iterable[str],
    *,
    actor,
    action: str,
    target=None,
    detail: dict,
    request=None,
    rows: Callable[[], int] | None = None,
) -> Iterator[str]:
    """Pass a streamed download through and record it when the stream ends, with the rows
    sent and whether the client got all of them (a dropped connection closes the stream
    early: `complete` false). Rows are the chunks after the first (one CSV line each, header
    first) unless `rows` says how many were sent (producers that batch lines)."""
    sent, complete = 0, False
    try:
        for line in lines:
            yield line
            sent += 1
        complete = True
    finally:
        close = getattr(lines, "close", None)
        if close is not None:
            # A producer still holding the database (a COPY, its transaction) lets go
            # before the entry is written, so the entry is not rolled back with it.
            close()
        audit_record(
            actor=actor,
            action=action,
            target=target,
            detail={
                **detail,
                "rows": rows() if rows is not None else max(sent - 1, 0),
                "complete": complete,
            },
            request=request,
        )
