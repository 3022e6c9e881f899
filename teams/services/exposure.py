"""Exposure writes: the tickets app records handling; agents step out of sensitive work."""

from __future__ import annotations

import zoneinfo
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from ..models import Agent, ExposureEntry, ExposureOptOut, Sensitivity
from ..selectors.exposure import exposure_opt_outs_in_force, shift_window

# Handling the same ticket again within this window is the same exposure, not a new one.
SAME_EXPOSURE_WINDOW = timedelta(hours=12)


@transaction.atomic
def exposure_record(
    *, user, ticket_id: int, sensitivity: str, at: datetime | None = None
) -> ExposureEntry | None:
    """Record that `user` handled ticket `ticket_id` of `sensitivity`. Tickets of no
    sensitivity are not recorded (returns None); handling the same ticket again within
    SAME_EXPOSURE_WINDOW returns the earlier entry. Call it from tickets/ when an agent
    opens, claims or replies to a sensitive or restricted ticket."""
    if sensitivity not in Sensitivity.values:
        raise ValidationError(f"Unknown sensitivity: {sensitivity}")
    if sensitivity == Sensitivity.NONE:
        return None
    at = at or timezone.now()
    user_id = getattr(user, "pk", user)
    earlier = ExposureEntry.objects.filter(
        user_id=user_id, ticket_id=ticket_id, at__gt=at - SAME_EXPOSURE_WINDOW, at__lte=at
    ).first()
    if earlier is not None:
        return earlier
    return ExposureEntry.objects.create(
        user_id=user_id, ticket_id=int(ticket_id), sensitivity=sensitivity, at=at
    )


@transaction.atomic
def exposure_opt_out(*, agent: Agent, at: datetime | None = None) -> ExposureOptOut:
    """The agent steps out of sensitive work for the rest of the current shift (or local day
    when off shift). No reason is asked. Stepping out again while out changes nothing."""
    at = at or timezone.now()
    current = exposure_opt_outs_in_force(at=at).filter(user_id=agent.user_id).first()
    if current is not None:
        return current
    _, until = shift_window(agent=agent, at=at)
    day = at.astimezone(zoneinfo.ZoneInfo(agent.time_zone or "UTC")).date()
    return ExposureOptOut.objects.create(user_id=agent.user_id, day=day, at=at, until=until)
