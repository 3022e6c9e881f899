"""The SLA sweep (Celery beat, every minute): warn on targets at risk, escalate breaches
(level 1), raise long-breached ones to the policy's specialist team (level 2) and escalate
missed acknowledgements — each once, in one transaction."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Least
from django.utils import timezone

from teams.models import Team

from ...models import (
    Escalation,
    SLAPolicy,
    Ticket,
    TicketEvent,
    TicketSLA,
)
from ..notify import notifications_create
from ..sla import sla_resync_later
from ..webhooks import webhooks_emit_for_ids
from .acks import claim_ack_missed, escalate_ack_missed
from .common import (
    ack_deadlines,
    ack_due,
    claim_rows,
    kind_label,
    open_at_or_above,
    people_for,
    record_events,
    tag_escalated,
    user_ids,
)


@dataclass
class SweepResult:
    """What one sweep did: SLA row ids warned, breached (level 1) and raised to level 2."""

    at_risk: list[int] = field(default_factory=list)
    breached: list[int] = field(default_factory=list)
    second_level: list[int] = field(default_factory=list)
    ack_missed: list[int] = field(default_factory=list)  # escalation ids escalated further


def _claim_at_risk(now) -> list[tuple]:
    return claim_rows(
        "UPDATE tickets_ticketsla SET warned_at = %s "
        "WHERE stopped_at IS NULL AND paused_at IS NULL AND warned_at IS NULL "
        "AND at_risk_at <= %s AND due_at > %s RETURNING id, ticket_id, kind",
        [now, now, now],
    )


def _claim_breached(now) -> list[tuple]:
    return claim_rows(
        "UPDATE tickets_ticketsla SET breached_at = due_at, met = %s, escalation_level = 1, "
        "warned_at = COALESCE(warned_at, %s) "
        "WHERE stopped_at IS NULL AND paused_at IS NULL AND escalation_level = 0 "
        "AND due_at <= %s RETURNING id, ticket_id, kind, policy_id",
        [False, now, now],
    )


def _claim_second_level(policy: SLAPolicy, after_minutes: int, now) -> list[tuple]:
    cutoff = now - timedelta(minutes=after_minutes)
    return claim_rows(
        "UPDATE tickets_ticketsla SET escalation_level = 2 "
        "WHERE policy_id = %s AND escalation_level = 1 AND stopped_at IS NULL "
        "AND paused_at IS NULL AND breached_at <= %s RETURNING id, ticket_id, kind",
        [policy.pk, cutoff],
    )


def _act_at_risk(rows, now) -> None:
    people = people_for({r[1] for r in rows})
    notes = []
    for _pk, ticket_id, kind in rows:
        assignee, lead, label, _team = people[ticket_id]
        to = assignee or lead
        if to:
            notes.append(
                (to, ticket_id, "sla_at_risk", f"SLA at risk ({kind_label(kind)}): {label}")
            )
    if notes:
        notifications_create(items=notes, now=now)
    record_events({r[1] for r in rows}, "sla_at_risk", "sla", "at_risk", now)


def _bump_priority(ticket_ids, now) -> None:
    """One priority step up (set-based), recorded, and the SLA targets recomputed: a policy
    may set other minutes for the higher priority, so the due times move with it."""
    bumped = Ticket.objects.filter(pk__in=ticket_ids, priority__lt=Ticket.Priority.URGENT)
    old = dict(bumped.values_list("pk", "priority"))
    if not old:
        return
    bumped.update(
        priority=Least(F("priority") + 1, Value(int(Ticket.Priority.URGENT))),
        version=F("version") + 1,
    )
    TicketEvent.objects.bulk_create(
        TicketEvent(
            ticket_id=t, created_at=now, kind="change", field="priority", old=str(p), new=str(p + 1)
        )
        for t, p in old.items()
    )
    # Retargeting is per ticket (policy conditions, calendars): the worker does it right after
    # commit, in batches, so the sweep itself stays a few set-based statements however many
    # tickets breach at once.
    ids = sorted(old)
    for start in range(0, len(ids), 500):
        sla_resync_later(ticket_ids=ids[start : start + 500])


def _act_breached(rows, now) -> None:
    ticket_ids = {r[1] for r in rows}
    policies = {p.pk: p for p in SLAPolicy.objects.filter(pk__in={r[3] for r in rows if r[3]})}
    bump = {t for _pk, t, _k, pol in rows if pol is None or policies[pol].bump_priority}
    people = people_for(ticket_ids)
    deadlines = ack_deadlines({p[3] for p in people.values()}, 1, now)
    Escalation.objects.bulk_create(
        [
            Escalation(
                ticket_id=t,
                sla_id=pk,
                source=Escalation.Source.SLA,
                level=1,
                team_id=people[t][3],
                reason=f"{TicketSLA.Kind(kind).label} target breached",
                created_at=now,
                ack_due_at=deadlines[people[t][3]],
            )
            for pk, t, kind, _pol in rows
        ],
        ignore_conflicts=True,
    )
    if bump:
        _bump_priority(bump, now)
    tag_escalated(ticket_ids)
    record_events(ticket_ids, "escalated", "level", 1, now)
    webhooks_emit_for_ids(
        event="ticket.escalated",
        ticket_ids=ticket_ids,
        extra={"escalation": {"level": 1, "source": "sla"}},
        now=now,
    )
    notes = []
    for _pk, ticket_id, kind, _pol in rows:
        assignee, lead, label, _team = people[ticket_id]
        text = f"SLA breached ({kind_label(kind)}): {label}"
        for user_id in user_ids(assignee, lead):
            notes.append((user_id, ticket_id, "sla_breached", text))
    if notes:
        notifications_create(items=notes, now=now)


def _act_second_level(policy: SLAPolicy, team: Team, rows, now) -> None:
    ticket_ids = {r[1] for r in rows}
    due = ack_due(team.pk, 2, now)
    Escalation.objects.bulk_create(
        [
            Escalation(
                ticket_id=t,
                sla_id=pk,
                source=Escalation.Source.SLA,
                level=2,
                team=team,
                reason=f"{TicketSLA.Kind(kind).label} still breached after "
                f"{policy.second_level_after_minutes} minutes",
                created_at=now,
                ack_due_at=due,
            )
            for pk, t, kind in rows
        ],
        ignore_conflicts=True,
    )
    Ticket.objects.filter(pk__in=ticket_ids).update(
        team=team, assignee=None, version=F("version") + 1
    )
    record_events(ticket_ids, "escalated", "level", 2, now, old=1)
    webhooks_emit_for_ids(
        event="ticket.escalated",
        ticket_ids=ticket_ids,
        extra={"escalation": {"level": 2, "source": "sla", "team_id": team.pk}},
        now=now,
    )
    if team.lead_id:
        people = people_for(ticket_ids)
        notifications_create(
            items=[
                (team.lead_id, t, "escalation", f"Escalated to {team.name}: {people[t][2]}")
                for t in ticket_ids
            ],
            now=now,
        )


def sla_sweep(*, now: datetime | None = None) -> SweepResult:
    """Warn on targets at risk, escalate breached ones (level 1), and raise long-breached ones
    to the policy's specialist team (level 2). Idempotent; safe to run concurrently."""
    now = now or timezone.now()
    result = SweepResult()
    with transaction.atomic():
        rows = _claim_at_risk(now)
        if rows:
            _act_at_risk(rows, now)
            result.at_risk = [r[0] for r in rows]
        rows = _claim_breached(now)
        if rows:
            _act_breached(rows, now)
            result.breached = [r[0] for r in rows]
        second = SLAPolicy.objects.filter(
            second_level_team__isnull=False, second_level_after_minutes__isnull=False
        ).select_related("second_level_team")
        for policy in second:
            team, after = policy.second_level_team, policy.second_level_after_minutes
            if team is None or after is None:  # the query asks for both
                continue
            rows = _claim_second_level(policy, after, now)
            # A ticket a missed acknowledgement already raised to level 2 is not raised again.
            above = open_at_or_above({r[1] for r in rows}, 2) if rows else set()
            rows = [r for r in rows if r[1] not in above]
            if rows:
                _act_second_level(policy, team, rows, now)
                result.second_level += [r[0] for r in rows]
        rows = claim_ack_missed(now)
        if rows:
            escalate_ack_missed([r[0] for r in rows], now)
            result.ack_missed = [r[0] for r in rows]
    return result
