"""Escalation: the SLA sweep (at risk, breach, second level, missed acknowledgements) and
manual escalation by people.

The sweep claims SLA rows with guarded UPDATE … RETURNING statements (warned_at IS NULL,
escalation_level = 0 / 1), so each warning and each level fires once however many sweeps run
at once: on PostgreSQL a concurrent sweep blocks on the row, re-checks the guard and skips it.
Everything a sweep does happens in one transaction — a worker killed mid-sweep rolls back and
the next sweep does the whole work again, once.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import F, Value
from django.db.models.functions import Least
from django.utils import timezone

from teams.models import Team

from .. import events
from ..models import (
    Escalation,
    SLAPolicy,
    Tag,
    TeamServiceSettings,
    Ticket,
    TicketEvent,
    TicketSLA,
)
from ..permissions import can_handle_escalation, escalation_targets
from ._base import lock, save
from .notify import notifications_create
from .sla import sla_resync_later
from .webhooks import webhooks_emit, webhooks_emit_for_ids

ESCALATED_TAG = "escalated"
MAX_LEVEL = 3  # 1 the team lead, 2 a specialist team, 3 the manager
LEVELS = {1: "Team lead", 2: "Specialist team", 3: "Manager"}


@dataclass
class SweepResult:
    """What one sweep did: SLA row ids warned, breached (level 1) and raised to level 2."""

    at_risk: list[int] = field(default_factory=list)
    breached: list[int] = field(default_factory=list)
    second_level: list[int] = field(default_factory=list)
    ack_missed: list[int] = field(default_factory=list)  # escalation ids escalated further


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


def _people_for(ticket_ids) -> dict[int, tuple[int | None, int | None, str, int | None]]:
    """ticket id → (assignee id, team lead id, reference text, team id)."""
    rows = Ticket.objects.filter(pk__in=ticket_ids).values_list(
        "pk", "assignee_id", "team__lead_id", "subject", "team_id"
    )
    return {pk: (a, lead, f"FL-{pk} {subject}", team) for pk, a, lead, subject, team in rows}


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
    people = _people_for(ticket_ids)
    deadlines = _ack_deadlines({p[3] for p in people.values()}, 1, now)
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
    _tag_escalated(ticket_ids)
    _events(ticket_ids, "escalated", "level", 1, now)
    webhooks_emit_for_ids(
        event="ticket.escalated",
        ticket_ids=ticket_ids,
        extra={"escalation": {"level": 1, "source": "sla"}},
        now=now,
    )
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
    ack_due = _ack_due(team.pk, 2, now)
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
                ack_due_at=ack_due,
            )
            for pk, t, kind in rows
        ],
        ignore_conflicts=True,
    )
    Ticket.objects.filter(pk__in=ticket_ids).update(
        team=team, assignee=None, version=F("version") + 1
    )
    _events(ticket_ids, "escalated", "level", 2, now, old=1)
    webhooks_emit_for_ids(
        event="ticket.escalated",
        ticket_ids=ticket_ids,
        extra={"escalation": {"level": 2, "source": "sla", "team_id": team.pk}},
        now=now,
    )
    if team.lead_id:
        people = _people_for(ticket_ids)
        notifications_create(
            items=[
                (team.lead_id, t, "escalation", f"Escalated to {team.name}: {people[t][2]}")
                for t in ticket_ids
            ],
            now=now,
        )


def ack_minutes(team_id: int | None) -> int:
    """Minutes the lead of `team_id` has to acknowledge an escalation (team setting or default)."""
    own = (
        TeamServiceSettings.objects.filter(team_id=team_id)
        .values_list("escalation_ack_minutes", flat=True)
        .first()
        if team_id
        else None
    )
    return own or settings.FRONTLINE["ESCALATION_ACK_MINUTES"]


def _ack_due(team_id: int | None, level: int, now: datetime) -> datetime | None:
    """The acknowledgement deadline; the top level (the manager) has none: nobody is above."""
    return now + timedelta(minutes=ack_minutes(team_id)) if level < MAX_LEVEL else None


def _ack_deadlines(team_ids, level: int, now: datetime) -> dict[int | None, datetime | None]:
    """`_ack_due` for many teams at once (one query): the sweep escalates in sets."""
    if level >= MAX_LEVEL:
        return dict.fromkeys(team_ids)
    own = dict(
        TeamServiceSettings.objects.filter(
            team_id__in=team_ids - {None}, escalation_ack_minutes__isnull=False
        ).values_list("team_id", "escalation_ack_minutes")
    )
    default = settings.FRONTLINE["ESCALATION_ACK_MINUTES"]
    return {t: now + timedelta(minutes=own.get(t) or default) for t in team_ids}


def _claim_ack_missed(now) -> list[tuple]:
    # Two statuses are done (solved, closed): fixed placeholders, no SQL built from data.
    solved, closed = Ticket.DONE
    return _claim(
        "UPDATE tickets_escalation SET ack_missed_at = %s "
        "WHERE acknowledged_at IS NULL AND resolved_at IS NULL AND ack_missed_at IS NULL "
        "AND ack_due_at <= %s AND ticket_id IN "
        "(SELECT id FROM tickets_ticket WHERE status NOT IN (%s, %s)) RETURNING id",
        [now, now, solved, closed],
    )


def _open_at_or_above(ticket_ids, level: int) -> set[int]:
    """Tickets that already have an open escalation at `level` or higher."""
    return set(
        Escalation.objects.filter(
            ticket_id__in=ticket_ids, level__gte=level, resolved_at__isnull=True
        ).values_list("ticket_id", flat=True)
    )


def _act_ack_missed(ids, now) -> None:
    """Each escalation nobody acknowledged goes one level up, once: to the team its team's
    service settings name (a specialist team), else it stays and the manager is called in.
    Set-based: a wave of SLA breaches makes a wave of missed deadlines. One ticket goes up
    one level per sweep however many of its escalations were missed, and an escalation
    already overtaken (the ticket has an open one above it, e.g. the SLA's second level) is
    left as missed: the ticket is up there already."""
    missed = sorted(
        Escalation.objects.filter(pk__in=ids).select_related("ticket"),
        key=lambda e: (-e.level, e.created_at, e.pk),
    )
    above = {
        (t, level)
        for level in {e.level for e in missed}
        for t in _open_at_or_above({e.ticket_id for e in missed if e.level == level}, level + 1)
    }
    firsts = {}
    for esc in missed:
        if (esc.ticket_id, esc.level) not in above:
            firsts.setdefault(esc.ticket_id, esc)
    missed = list(firsts.values())
    if not missed:
        return
    onward = dict(
        TeamServiceSettings.objects.filter(
            team_id__in={e.team_id for e in missed}, escalate_unacknowledged_to__isnull=False
        ).values_list("team_id", "escalate_unacknowledged_to_id")
    )
    teams = {
        t.pk: t
        for t in Team.objects.filter(pk__in={*onward.values(), *(e.team_id for e in missed)})
    }
    targets = {e.pk: teams.get(onward.get(e.team_id, e.team_id)) for e in missed}
    deadlines = {
        level: _ack_deadlines({getattr(t, "pk", None) for t in targets.values()}, level, now)
        for level in {min(e.level + 1, MAX_LEVEL) for e in missed}
    }
    rows, logged, moves, notes = [], [], defaultdict(list), []
    for esc in missed:
        team, ticket = targets[esc.pk], esc.ticket
        level = min(esc.level + 1, MAX_LEVEL)
        waited = int((now - esc.created_at).total_seconds() // 60)
        rows.append(
            Escalation(
                ticket=ticket,
                source=Escalation.Source.ACK_MISSED,
                level=level,
                team=team,
                reason=f"L{esc.level} escalation not acknowledged within {waited} minutes",
                brief=esc.brief,
                created_at=now,
                parent=esc,
                ack_due_at=deadlines[level][getattr(team, "pk", None)],
            )
        )
        logged.append(
            TicketEvent(
                ticket=ticket, created_at=now, kind="escalated", field="level",
                old=str(esc.level), new=str(level),
            )
        )  # fmt: skip
        if team is not None and team.pk != ticket.team_id:
            logged.append(
                TicketEvent(
                    ticket=ticket, created_at=now, kind="team", field="team",
                    old=str(ticket.team_id or ""), new=str(team.pk),
                )
            )  # fmt: skip
            moves[team.pk].append(ticket.pk)
        text = f"Escalation L{level} (not acknowledged in time) needs you: {ticket.reference}"
        for user_id in {getattr(team, "lead_id", None), getattr(team, "manager_id", None)} - {None}:
            notes.append((user_id, ticket.pk, "escalation", text))
    Escalation.objects.bulk_create(rows, ignore_conflicts=True)
    TicketEvent.objects.bulk_create(logged)
    for team_id, ticket_ids in moves.items():
        Ticket.objects.filter(pk__in=ticket_ids).update(
            team_id=team_id, assignee=None, version=F("version") + 1
        )
    webhooks_emit_for_ids(
        event="ticket.escalated",
        ticket_ids={e.ticket_id for e in missed},
        extra={"escalation": {"source": "ack_missed"}},
        now=now,
    )
    if notes:
        notifications_create(items=notes, now=now)


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
            # A ticket a missed acknowledgement already raised to level 2 is not raised again.
            above = _open_at_or_above({r[1] for r in rows}, 2) if rows else set()
            rows = [r for r in rows if r[1] not in above]
            if rows:
                _act_second_level(policy, rows, now)
                result.second_level += [r[0] for r in rows]
        rows = _claim_ack_missed(now)
        if rows:
            _act_ack_missed([r[0] for r in rows], now)
            result.ack_missed = [r[0] for r in rows]
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
    (what was tried, the risk, what is needed). Tags it, notifies the receiving lead. `team`
    must be one of `escalation_targets(by, ticket)` (ValidationError otherwise)."""
    if not reason.strip():
        raise ValidationError("Say why the ticket needs escalating.")
    if level not in LEVELS:
        raise ValidationError("The escalation level must be 1, 2 or 3.")
    ticket = lock(ticket)
    if ticket.status in Ticket.DONE:
        raise ValidationError("A solved or closed ticket cannot be escalated.")
    if team is not None and team.pk not in {t.pk for t in escalation_targets(by, ticket)}:
        raise ValidationError(
            f"{team} does not take escalations of this ticket: choose its own team or a "
            "specialist team that serves its category."
        )
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
        ack_due_at=_ack_due(getattr(target, "pk", None), level, now),
    )
    _tag_escalated([ticket.pk])
    events.record(ticket, by, "escalated", "level", "", level, at=now)
    fields = []
    if target and target.pk != ticket.team_id:
        events.record(ticket, by, "team", "team", ticket.team_id or "", target.pk, at=now)
        ticket.team, ticket.assignee = target, None
        fields += ["team", "assignee"]
    save(ticket, fields)
    webhooks_emit(
        event="ticket.escalated",
        ticket=ticket,
        extra={"escalation": {"level": level, "source": "manual", "reason": escalation.reason}},
        now=now,
    )
    receivers = {getattr(target, "lead_id", None)}
    if level == MAX_LEVEL:
        receivers.add(getattr(target, "manager_id", None))
    text = f"Escalation L{level} needs your acknowledgement: {ticket.reference}"
    receivers -= {None, by.pk}
    if receivers:
        notifications_create(
            items=[(user_id, ticket.pk, "escalation", text) for user_id in receivers], now=now
        )
    return escalation


def _ensure_lead_of(user, escalation: Escalation) -> None:
    if not can_handle_escalation(user, escalation):
        raise PermissionDenied("Only the receiving team's lead or manager handles this escalation.")


def _tell_raiser(escalation: Escalation, by, text: str, now) -> None:
    if escalation.raised_by_id and escalation.raised_by_id != by.pk:
        notifications_create(
            items=[(escalation.raised_by_id, escalation.ticket_id, "escalation", text)], now=now
        )


@transaction.atomic
def escalation_acknowledge(*, escalation: Escalation, by) -> Escalation:
    """The receiving lead takes the escalation on (once)."""
    escalation = (
        Escalation.objects.select_for_update().select_related("ticket").get(pk=escalation.pk)
    )
    _ensure_lead_of(by, escalation)
    if escalation.acknowledged_at is None:
        now = timezone.now()
        escalation.acknowledged_at, escalation.acknowledged_by = now, by
        escalation.save(update_fields=["acknowledged_at", "acknowledged_by"])
        # A ticket that breached two targets at once carries two escalations at this level to
        # the same team: taking the ticket on takes both, or the other would still go up a
        # level when its deadline passes.
        Escalation.objects.filter(
            ticket_id=escalation.ticket_id,
            level=escalation.level,
            team_id=escalation.team_id,
            acknowledged_at__isnull=True,
            resolved_at__isnull=True,
        ).update(acknowledged_at=now, acknowledged_by=by)
        events.record(escalation.ticket, by, "escalation_ack", "level", "", escalation.level)
        _tell_raiser(
            escalation, by, f"{by} took on your escalation of {escalation.ticket.reference}", now
        )
    return escalation


@transaction.atomic
def escalation_resolve(*, escalation: Escalation, by, note: str = "") -> Escalation:
    """De-escalation by the lead: the escalation is resolved (with an optional note); when
    none is left open on the ticket, the `escalated` tag comes off (the ticket leaves the
    Escalations queue)."""
    escalation = (
        Escalation.objects.select_for_update().select_related("ticket").get(pk=escalation.pk)
    )
    _ensure_lead_of(by, escalation)
    if escalation.resolved_at is not None:
        return escalation
    now = timezone.now()
    escalation.resolved_at, escalation.resolved_by = now, by
    escalation.resolution_note = note.strip()[:2000]
    if escalation.acknowledged_at is None:
        escalation.acknowledged_at, escalation.acknowledged_by = now, by
    escalation.save(
        update_fields=[
            "resolved_at", "resolved_by", "resolution_note", "acknowledged_at", "acknowledged_by"
        ]
    )  # fmt: skip
    ticket = escalation.ticket
    if not Escalation.objects.filter(ticket=ticket, resolved_at__isnull=True).exists():
        ticket.tags.remove(*Tag.objects.filter(name=ESCALATED_TAG))
    events.record(ticket, by, "deescalated", "level", escalation.level, "", at=now)
    _tell_raiser(escalation, by, f"{by} resolved your escalation of {ticket.reference}", now)
    return escalation
