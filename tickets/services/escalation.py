"""Escalation: the SLA sweep (at risk, breach, second level) and manual escalation by people.

The sweep claims SLA rows with guarded UPDATE … RETURNING statements (warned_at IS NULL,
escalation_level = 0 / 1), so each warning and each level fires once however many sweeps run
at once: on PostgreSQL a concurrent sweep blocks on the row, re-checks the guard and skips it.
Everything a sweep does happens in one transaction — a worker killed mid-sweep rolls back and
the next sweep does the whole work again, once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import F, Value
from django.db.models.functions import Least
from django.utils import timezone

from teams.models import Agent, Role, Team

from .. import events
from ..models import Escalation, SLAPolicy, Tag, Ticket, TicketEvent, TicketSLA
from ._base import lock, save
from .notify import notifications_create

ESCALATED_TAG = "escalated"


@dataclass
class SweepResult:
    """What one sweep did: SLA row ids warned, breached (level 1) and raised to level 2."""

    at_risk: list[int] = field(default_factory=list)
    breached: list[int] = field(default_factory=list)
    second_level: list[int] = field(default_factory=list)


def _claim(sql: str, params: list) -> list[tuple]:
    ops = connection.ops
    params = [ops.adapt_datetimefield_value(p) if isinstance(p, datetime) else p for p in params]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _claim_at_risk(now) -> list[tuple]:
    return _claim(
        "UPDATE tickets_ticketsla SET warned_at = %s "
        "WHERE stopped_at IS NULL AND paused_at IS NULL AND warned_at IS NULL "
        "AND at_risk_at <= %s AND due_at > %s RETURNING id, ticket_id, kind",
        [now, now, now],
    )


def _claim_breached(now) -> list[tuple]:
    return _claim(
        "UPDATE tickets_ticketsla SET breached_at = due_at, met = %s, escalation_level = 1, "
        "warned_at = COALESCE(warned_at, %s) "
        "WHERE stopped_at IS NULL AND paused_at IS NULL AND escalation_level = 0 "
        "AND due_at <= %s RETURNING id, ticket_id, kind, policy_id",
        [False, now, now],
    )


def _claim_second_level(policy: SLAPolicy, now) -> list[tuple]:
    cutoff = now - timedelta(minutes=policy.second_level_after_minutes)
    return _claim(
        "UPDATE tickets_ticketsla SET escalation_level = 2 "
        "WHERE policy_id = %s AND escalation_level = 1 AND stopped_at IS NULL "
        "AND paused_at IS NULL AND breached_at <= %s RETURNING id, ticket_id, kind",
        [policy.pk, cutoff],
    )


def _kind_label(kind: str) -> str:
    return TicketSLA.Kind(kind).label.lower()


def _people_for(ticket_ids) -> dict[int, tuple[int | None, int | None, str, str]]:
    """ticket id → (assignee id, team lead id, reference text, team name)."""
    rows = Ticket.objects.filter(pk__in=ticket_ids).values_list(
        "pk", "assignee_id", "team__lead_id", "subject", "team__name"
    )
    return {pk: (a, lead, f"FL-{pk} {subject}", team or "") for pk, a, lead, subject, team in rows}


def _tag_escalated(ticket_ids) -> None:
    tag, _ = Tag.objects.get_or_create(name=ESCALATED_TAG)
    through = Ticket.tags.through
    through.objects.bulk_create(
        [through(ticket_id=t, tag_id=tag.pk) for t in ticket_ids], ignore_conflicts=True
    )


def _events(ticket_ids, kind, field_name, new, now, old="") -> None:
    TicketEvent.objects.bulk_create(
        TicketEvent(ticket_id=t, created_at=now, kind=kind, field=field_name, old=old, new=str(new))
        for t in ticket_ids
    )


def _act_at_risk(rows, now) -> None:
    people = _people_for({r[1] for r in rows})
    notes = []
    for _pk, ticket_id, kind in rows:
        assignee, lead, label, _team = people[ticket_id]
        to = assignee or lead
        if to:
            notes.append(
                (to, ticket_id, "sla_at_risk", f"SLA at risk ({_kind_label(kind)}): {label}")
            )
    if notes:
        notifications_create(items=notes, now=now)
    _events({r[1] for r in rows}, "sla_at_risk", "sla", "at_risk", now)


def _act_breached(rows, now) -> None:
    ticket_ids = {r[1] for r in rows}
    policies = {p.pk: p for p in SLAPolicy.objects.filter(pk__in={r[3] for r in rows if r[3]})}
    bump = {t for _pk, t, _k, pol in rows if pol is None or policies[pol].bump_priority}
    people = _people_for(ticket_ids)
    Escalation.objects.bulk_create(
        [
            Escalation(
                ticket_id=t,
                sla_id=pk,
                source=Escalation.Source.SLA,
                level=1,
                reason=f"{TicketSLA.Kind(kind).label} target breached",
                created_at=now,
            )
            for pk, t, kind, _pol in rows
        ],
        ignore_conflicts=True,
    )
    if bump:
        Ticket.objects.filter(pk__in=bump, priority__lt=Ticket.Priority.URGENT).update(
            priority=Least(F("priority") + 1, Value(int(Ticket.Priority.URGENT))),
            version=F("version") + 1,
        )
    _tag_escalated(ticket_ids)
    _events(ticket_ids, "escalated", "level", 1, now)
    notes = []
    for _pk, ticket_id, kind, _pol in rows:
        assignee, lead, label, _team = people[ticket_id]
        text = f"SLA breached ({_kind_label(kind)}): {label}"
        for user_id in {assignee, lead} - {None}:
            notes.append((user_id, ticket_id, "sla_breached", text))
    if notes:
        notifications_create(items=notes, now=now)


def _act_second_level(policy: SLAPolicy, rows, now) -> None:
    team = policy.second_level_team
    ticket_ids = {r[1] for r in rows}
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
            )
            for pk, t, kind in rows
        ],
        ignore_conflicts=True,
    )
    Ticket.objects.filter(pk__in=ticket_ids).update(
        team=team, assignee=None, version=F("version") + 1
    )
    _events(ticket_ids, "escalated", "level", 2, now, old=1)
    if team.lead_id:
        people = _people_for(ticket_ids)
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
            rows = _claim_second_level(policy, now)
            if rows:
                _act_second_level(policy, rows, now)
                result.second_level += [r[0] for r in rows]
    return result


# Manual escalation -------------------------------------------------------------------------


def _brief(brief: dict) -> dict:
    clean = {k: str(brief.get(k, "")).strip()[:2000] for k in ("tried", "risk", "needed")}
    if not clean["tried"] or not clean["needed"]:
        raise ValidationError("A hand-off brief needs what was tried and what is needed.")
    return clean


@transaction.atomic
def ticket_escalate(
    *, ticket: Ticket, by, reason: str, level: int, brief: dict, team: Team | None = None
) -> Escalation:
    """An associate raises the ticket to `level` with a reason and a structured hand-off brief
    (what was tried, the risk, what is needed). Tags it, notifies the receiving lead."""
    if not reason.strip():
        raise ValidationError("Say why the ticket needs escalating.")
    if level not in (1, 2, 3):
        raise ValidationError("The escalation level must be 1, 2 or 3.")
    ticket = lock(ticket)
    if ticket.status in Ticket.DONE:
        raise ValidationError("A solved or closed ticket cannot be escalated.")
    now = timezone.now()
    target = team or ticket.team
    escalation = Escalation.objects.create(
        ticket=ticket,
        source=Escalation.Source.MANUAL,
        level=level,
        team=target,
        reason=reason.strip()[:2000],
        brief=_brief(brief),
        raised_by=by,
        created_at=now,
    )
    _tag_escalated([ticket.pk])
    events.record(ticket, by, "escalated", "level", "", level, at=now)
    fields = []
    if target and target.pk != ticket.team_id:
        events.record(ticket, by, "team", "team", ticket.team_id or "", target.pk, at=now)
        ticket.team, ticket.assignee = target, None
        fields += ["team", "assignee"]
    save(ticket, fields)
    if target and target.lead_id:
        notifications_create(
            items=[
                (
                    target.lead_id,
                    ticket.pk,
                    "escalation",
                    f"Escalation L{level} needs your acknowledgement: {ticket.reference}",
                )
            ],
            now=now,
        )
    return escalation


def _ensure_lead_of(user, escalation: Escalation) -> None:
    if user.is_superuser:
        return
    agent = Agent.objects.filter(user=user).only("role", "team_id").first()
    team_id = escalation.team_id or escalation.ticket.team_id
    if agent is None or agent.role not in (Role.LEAD, Role.MANAGER, Role.ADMIN):
        raise PermissionDenied("Only a lead acknowledges or resolves escalations.")
    if agent.role == Role.LEAD and agent.team_id != team_id:
        raise PermissionDenied("Only the receiving team's lead acknowledges this escalation.")


@transaction.atomic
def escalation_acknowledge(*, escalation: Escalation, by) -> Escalation:
    """The receiving lead takes the escalation on (once)."""
    escalation = (
        Escalation.objects.select_for_update().select_related("ticket").get(pk=escalation.pk)
    )
    _ensure_lead_of(by, escalation)
    if escalation.acknowledged_at is None:
        escalation.acknowledged_at, escalation.acknowledged_by = timezone.now(), by
        escalation.save(update_fields=["acknowledged_at", "acknowledged_by"])
        events.record(escalation.ticket, by, "escalation_ack", "level", "", escalation.level)
    return escalation


@transaction.atomic
def escalation_resolve(*, escalation: Escalation, by) -> Escalation:
    """De-escalation by the lead: the escalation is resolved; when none is left open on the
    ticket, the `escalated` tag comes off (the ticket leaves the Escalations queue)."""
    escalation = (
        Escalation.objects.select_for_update().select_related("ticket").get(pk=escalation.pk)
    )
    _ensure_lead_of(by, escalation)
    if escalation.resolved_at is not None:
        return escalation
    now = timezone.now()
    escalation.resolved_at, escalation.resolved_by = now, by
    if escalation.acknowledged_at is None:
        escalation.acknowledged_at, escalation.acknowledged_by = now, by
    escalation.save(
        update_fields=["resolved_at", "resolved_by", "acknowledged_at", "acknowledged_by"]
    )
    ticket = escalation.ticket
    if not Escalation.objects.filter(ticket=ticket, resolved_at__isnull=True).exists():
        ticket.tags.remove(*Tag.objects.filter(name=ESCALATED_TAG))
    events.record(ticket, by, "deescalated", "level", escalation.level, "", at=now)
    return escalation
