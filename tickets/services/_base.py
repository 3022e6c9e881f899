"""Shared helpers of the ticket services: locking, versioning, reply due times, clearance.

The bottom of tickets.services: it imports no other service module. `save` only persists;
what a change sets off (SLA clocks, webhooks) the service asks for by name through
tickets.services.changes.ticket_changed.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied

from teams.models import Agent, Sensitivity
from teams.selectors import ExposureCap, ExposureDecision, exposure_decision
from teams.services import exposure_record

from ..models import TeamServiceSettings, Ticket


class StaleVersionError(Exception):
    """The ticket changed since the caller read it; carries the current ticket."""

    def __init__(self, ticket: Ticket):
        super().__init__(
            f"{ticket.reference} was changed by someone else (now version {ticket.version})."
        )
        self.ticket = ticket


class ExposureRefused(PermissionDenied):
    """The exposure rule (teams.selectors.exposure_decision) refuses handing a ticket to this
    agent now; a PermissionDenied whose message says why."""


def lock(ticket: Ticket | int, expected_version: int | None = None) -> Ticket:
    """Re-read the ticket under a row lock; refuse if the caller's version is stale."""
    pk = ticket if isinstance(ticket, int) else ticket.pk
    fresh = Ticket.objects.select_for_update(of=("self",)).select_related("category").get(pk=pk)
    if expected_version is not None and fresh.version != int(expected_version):
        raise StaleVersionError(fresh)
    return fresh


def save(ticket: Ticket, fields: list[str] | set[str]) -> None:
    """Persist the changed fields and bump the optimistic-lock version; nothing else (the
    caller asks for the SLA sync and the webhook event with `ticket_changed`)."""
    ticket.version += 1
    ticket.save(update_fields=sorted({*fields, "version", "updated_at"}))


def reply_due(ticket: Ticket, start):
    """When a reply is due, counted from `start` (default targets per priority)."""
    minutes = settings.FRONTLINE["DEFAULT_FIRST_REPLY_MINUTES"].get(int(ticket.priority), 8 * 60)
    return start + timedelta(minutes=minutes)


def clearance_of(user) -> str:
    """The sensitivity clearance of a staff user (superusers are cleared for everything)."""
    if user.is_superuser:
        return Sensitivity.RESTRICTED
    agent = Agent.objects.filter(user=user).only("clearance").first()
    return agent.clearance if agent else Sensitivity.NONE


def ensure_cleared(user, category) -> None:
    """Raise PermissionDenied unless `user` may handle tickets of `category`."""
    if category.sensitivity not in Sensitivity.allowed_for(clearance_of(user)):
        raise PermissionDenied(f"{user} is not cleared for {category.name} tickets.")


def record_exposure(user, ticket: Ticket, now) -> None:
    """Log in teams' exposure log that `user` handled `ticket` when its category is
    sensitive or restricted (claiming it, replying to it)."""
    sensitivity = ticket.category.sensitivity
    if user is not None and sensitivity != Sensitivity.NONE:
        exposure_record(user=user, ticket_id=ticket.pk, sensitivity=sensitivity, at=now)


def exposure_caps(*, team_id: int | None, at: datetime) -> list[ExposureCap]:
    """The caps this app adds to teams' exposure rule: the team's per-hour cap
    (TeamServiceSettings) over the last hour, as get-next's claim counts it."""
    most = (
        TeamServiceSettings.objects.filter(team_id=team_id)
        .values_list("exposure_cap_per_hour", flat=True)
        .first()
        if team_id is not None
        else None
    )
    if most is None:
        return []
    return [ExposureCap(most, at - timedelta(hours=1), at, name="hourly cap")]


def assignment_decision(
    *, agent: Agent, ticket: Ticket, at: datetime, caps: list[ExposureCap] | None = None
) -> ExposureDecision:
    """May `agent` be handed `ticket` now? teams' exposure_decision with this app's per-hour
    cap of the agent's team (pass `caps` when already read for that team)."""
    sensitivity = ticket.category.sensitivity
    if caps is None:  # plain work has no cap to read
        plain = sensitivity == Sensitivity.NONE
        caps = [] if plain else exposure_caps(team_id=agent.team_id, at=at)
    kind = ticket.category.exposure_kind
    return exposure_decision(agent=agent, sensitivity=sensitivity, kind=kind, at=at, caps=caps)
