"""Which SLA targets apply to a ticket: the first matching active policy (stored values
checked, an invalid policy skipped and reported), the imminent-risk first-reply cap, the
default reply targets, and the team's business-hours calendar; `sla_batch` reads policies and
calendars once for many tickets. tickets.services.sla runs the clocks from these."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings

from ..business_time import BusinessCalendar
from ..models import ImminentRisk, SLAPolicy, TeamServiceSettings, Ticket, TicketSLA
from ..models.sla import sla_policy_value_errors
from .calendars import calendar_or_fallback
from .notify import setting_fault_report

Kind = TicketSLA.Kind
PAUSED_STATUSES: tuple[str, ...] = (Ticket.Status.PENDING, Ticket.Status.ON_HOLD)
EMPTY: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Targets:
    """The minutes per target kind that apply to a ticket, and how they are counted."""

    policy: SLAPolicy | None
    minutes: dict[str, int]
    business_time: bool
    at_risk_share: float
    pause_statuses: tuple[str, ...] = PAUSED_STATUSES


def requester_tier(ticket: Ticket) -> str:
    """The requester's tier (a `tier` custom field on the ticket; empty when not set)."""
    return str((ticket.custom_fields or {}).get("tier", ""))


def policy_matches(
    policy: SLAPolicy, ticket: Ticket, category_ids: set[int], team_ids: frozenset[int] = EMPTY
) -> bool:
    """True when every non-empty condition of the policy holds for the ticket (and the ticket
    was created in the policy's window, when it has one)."""
    if policy.created_from and ticket.created_at < policy.created_from:
        return False
    if policy.created_before and ticket.created_at >= policy.created_before:
        return False
    if policy.priorities and int(ticket.priority) not in [int(p) for p in policy.priorities]:
        return False
    if category_ids and ticket.category_id not in category_ids:
        return False
    if team_ids and ticket.team_id not in team_ids:
        return False
    if policy.channels and ticket.channel not in policy.channels:
        return False
    return not (policy.requester_tiers and requester_tier(ticket) not in policy.requester_tiers)


# Within `sla_batch()`, the active policies and the team calendars are read once for all the
# tickets of the batch instead of once per ticket (the sweep's bump, resyncs, backfills).
_batch: ContextVar[dict | None] = ContextVar("sla_batch", default=None)


@contextmanager
def sla_batch() -> Iterator[None]:
    """Read SLA policies and team calendars once while syncing many tickets in this block."""
    token = _batch.set({})
    try:
        yield
    finally:
        _batch.reset(token)


def _cached(key, load):
    cache = _batch.get()
    if cache is None:
        return load()
    if key not in cache:
        cache[key] = load()
    return cache[key]


def _active_policies() -> list[tuple[SLAPolicy, set[int], frozenset[int]]]:
    """The active policies in order with their category and team ids; a policy whose stored
    values are invalid (saved before validation existed) is skipped and reported, once."""
    found = []
    for policy in SLAPolicy.objects.filter(active=True).prefetch_related("categories", "teams"):
        if errors := sla_policy_value_errors(policy):
            setting_fault_report(setting=policy, problem=" ".join(errors.values()))
            continue
        found.append(
            (
                policy,
                {c.pk for c in policy.categories.all()},
                frozenset(t.pk for t in policy.teams.all()),
            )
        )
    return found


def risk_first_reply_minutes() -> int:
    """The first-reply target of a ticket flagged as imminent risk, in calendar minutes."""
    return int(settings.FRONTLINE["IMMINENT_RISK_FIRST_REPLY_MINUTES"])


def _flagged(ticket: Ticket) -> bool:
    # Flagged tickets are urgent (tickets.services.risk): no other ticket costs a query.
    return (
        int(ticket.priority) == Ticket.Priority.URGENT
        and ticket.pk is not None
        and ImminentRisk.objects.filter(ticket_id=ticket.pk).exists()
    )


def targets_for(ticket: Ticket) -> Targets:
    """The first active policy matching the ticket; else the default reply targets by priority
    (calendar minutes from settings.FRONTLINE["DEFAULT_FIRST_REPLY_MINUTES"]). A ticket
    flagged as imminent risk (while urgent) gets a first reply within
    `risk_first_reply_minutes()` at most, and its clocks run in calendar time."""
    targets = _policy_targets(ticket)
    if not _flagged(ticket):
        return targets
    minutes = risk_first_reply_minutes()
    first = min(targets.minutes.get(Kind.FIRST_REPLY, minutes), minutes)
    return Targets(
        targets.policy,
        {**targets.minutes, Kind.FIRST_REPLY: first},
        False,
        targets.at_risk_share,
        targets.pause_statuses,
    )


def _policy_targets(ticket: Ticket) -> Targets:
    for policy, category_ids, team_ids in _cached("policies", _active_policies):
        if policy_matches(policy, ticket, category_ids, team_ids):
            minutes = {
                Kind.FIRST_REPLY: policy.first_reply_minutes,
                Kind.NEXT_REPLY: policy.next_reply_minutes,
                Kind.RESOLUTION: policy.resolution_minutes,
            }
            return Targets(
                policy,
                {k: v for k, v in minutes.items() if v},
                policy.business_time,
                policy.at_risk_share,
                tuple(policy.pause_statuses),
            )
    default = settings.FRONTLINE["DEFAULT_FIRST_REPLY_MINUTES"].get(int(ticket.priority), 8 * 60)
    return Targets(None, {Kind.FIRST_REPLY: default, Kind.NEXT_REPLY: default}, False, 0.75)


def team_calendar(team_id: int | None, around: datetime) -> BusinessCalendar:
    """The business-hours calendar of the team (24/7 when the team has none set, or when its
    stored calendar is invalid — the admins are told, services.calendars)."""
    return _cached(("calendar", team_id, around.year), lambda: _team_calendar(team_id, around))


def _team_calendar(team_id: int | None, around: datetime) -> BusinessCalendar:
    settings_row = (
        TeamServiceSettings.objects.select_related("business_hours").filter(team_id=team_id).first()
        if team_id
        else None
    )
    return calendar_or_fallback(settings_row.business_hours if settings_row else None, around)
