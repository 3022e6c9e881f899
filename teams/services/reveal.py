"""Reveal writes: the tickets app records that a person chose to see a sensitive original."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from ..models import ExposureReveal, Sensitivity


@transaction.atomic
def exposure_reveal_record(
    *, user, ticket_id: int, attachment_id: int, sensitivity: str, at: datetime | None = None
) -> tuple[ExposureReveal, bool]:
    """Record that `user` revealed attachment `attachment_id` of ticket `ticket_id` of
    `sensitivity` (sensitive or restricted; anything else is a ValidationError). Returns the
    reveal and whether it is new: a person reveals an attachment once, later calls return
    the first reveal (the unique constraint holds it under concurrent requests too)."""
    if sensitivity not in (Sensitivity.SENSITIVE, Sensitivity.RESTRICTED):
        raise ValidationError(f"Nothing to reveal on a ticket of sensitivity {sensitivity!r}.")
    return ExposureReveal.objects.get_or_create(
        user_id=getattr(user, "pk", user),
        attachment_id=int(attachment_id),
        defaults={
            "ticket_id": int(ticket_id),
            "sensitivity": sensitivity,
            "at": at or timezone.now(),
        },
    )
