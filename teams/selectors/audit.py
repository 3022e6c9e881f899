"""Reading the audit trail: the filtered list (admins' audit page and its CSV export)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from ..models import AuditEntry


def _day_start(day: date) -> datetime:
    """Midnight of `day` in the viewer's (active) time zone."""
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_current_timezone())


def audit_entries(
    *,
    actor: str = "",
    action: str = "",
    start: date | None = None,
    end: date | None = None,
    target_type: str = "",
    target_id: str = "",
    before: int | None = None,
) -> QuerySet[AuditEntry]:
    """Entries newest first (append order), filtered: `actor` username (exact, any case),
    `action`, days `start`..`end` inclusive in the viewer's zone, target type and id;
    `before` is the keyset cursor (entries with a smaller id)."""
    qs = AuditEntry.objects.order_by("-pk")
    if actor:
        qs = qs.filter(actor_label__iexact=actor)
    if action:
        qs = qs.filter(action=action)
    qs = qs.between(
        _day_start(start) if start else None,
        _day_start(end + timedelta(days=1)) if end else None,
    )
    if target_type:
        qs = qs.filter(target_type=target_type)
    if target_id:
        qs = qs.filter(target_id=target_id)
    if before is not None:
        qs = qs.filter(pk__lt=before)
    return qs
