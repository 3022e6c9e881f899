"""Exposure writes: the tickets app records handling, work time and reveals; agents step out of
sensitive work and opt in to (or out of) each kind of it; leads set their team's caps."""

from __future__ import annotations

import zoneinfo
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from ..models import (
    Agent,
    AuditEntry,
    ExposureConsent,
    ExposureEntry,
    ExposureKind,
    ExposureOptOut,
    Sensitivity,
    Team,
)
from ..selectors.exposure import exposure_opt_outs_in_force, shift_window
from .audit import audit_record

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


@transaction.atomic
def exposure_work(
    *, user, ticket_id: int, sensitivity: str, seconds: float, at: datetime
) -> ExposureEntry | None:
    """`user` worked ticket `ticket_id` of `sensitivity` until `at`, `seconds` more of handle
    time (tickets' work heartbeat, as it extends the work session): added to the handling's
    exposure entry (recorded now if none is), whose last work moves to `at` — the team's
    cool-down counts from there. Plain tickets record nothing (None)."""
    entry = exposure_record(user=user, ticket_id=ticket_id, sensitivity=sensitivity, at=at)
    if entry is None:
        return None
    entry.seconds += max(seconds, 0)
    entry.last_seen_at = max(entry.last_seen_at or entry.at, at)
    entry.save(update_fields=["seconds", "last_seen_at"])
    return entry


@transaction.atomic
def exposure_consent_set(
    *, agent: Agent, kinds, at: datetime | None = None
) -> tuple[list[str], list[str]]:
    """The agent's own choice of the kinds of sensitive work they take: exactly `kinds` from
    now on (ValidationError for an unknown kind). Opting out is effective at once: no path
    hands them a ticket of a kind they left. Each change is audited. Their clearance (a
    lead's decision) is untouched: work needs both. Returns (opted in, opted out)."""
    wanted = set(kinds)
    unknown = wanted - set(ExposureKind.values)
    if unknown:
        raise ValidationError(f"Unknown kind of sensitive work: {', '.join(sorted(unknown))}")
    at = at or timezone.now()
    have = set(ExposureConsent.objects.filter(user_id=agent.user_id).values_list("kind", flat=True))
    added, removed = sorted(wanted - have), sorted(have - wanted)
    ExposureConsent.objects.filter(user_id=agent.user_id, kind__in=removed).delete()
    ExposureConsent.objects.bulk_create(
        [ExposureConsent(user_id=agent.user_id, kind=k, at=at) for k in added]
    )
    if added or removed:
        audit_record(
            actor=agent.user,
            action=AuditEntry.Action.EXPOSURE_CONSENT,
            target=agent,
            detail={"opted_in": added, "opted_out": removed},
            at=at,
        )
    return added, removed


EXPOSURE_SETTINGS = (
    "exposure_cap_per_shift",
    "exposure_cap_per_week",
    "exposure_cool_down_minutes",
    "exposure_check_in_minutes",
)


@transaction.atomic
def team_exposure_settings_update(*, team: Team, by, **values) -> Team:
    """A lead sets the team's per-shift and per-week caps, cool-down minutes and check-in
    threshold (validated by the model's fields); the change is audited."""
    changed = {}
    for name in EXPOSURE_SETTINGS:
        if name in values and getattr(team, name) != values[name]:
            changed[name] = [getattr(team, name), values[name]]
            setattr(team, name, values[name])
    if not changed:
        return team
    team.full_clean()
    team.save(update_fields=list(changed))
    audit_record(actor=by, action=AuditEntry.Action.EXPOSURE_SETTINGS, target=team, detail=changed)
    return team
