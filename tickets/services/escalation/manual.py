"""Escalation by people: an associate raises a ticket with a hand-off brief; the receiving
lead acknowledges it and resolves it (de-escalation)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from teams.models import Team

from ... import events
from ...models import (
    Escalation,
    Tag,
    Ticket,
)
from ...permissions import can_handle_escalation, escalation_targets
from .._base import lock, save
from ..changes import ticket_changed
from ..notify import notifications_create
from ..webhooks import webhooks_emit
from .common import (
    ESCALATED_TAG,
    LEVELS,
    MAX_LEVEL,
    ack_due,
    tag_escalated,
    user_ids,
)


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
        ack_due_at=ack_due(getattr(target, "pk", None), level, now),
    )
    tag_escalated([ticket.pk])
    events.record(ticket, by, "escalated", "level", "", level, at=now)
    fields = []
    if target and target.pk != ticket.team_id:
        events.record(ticket, by, "team", "team", ticket.team_id or "", target.pk, at=now)
        ticket.team, ticket.assignee = target, None
        fields += ["team", "assignee"]
    save(ticket, fields)
    ticket_changed(ticket=ticket, fields=fields)
    webhooks_emit(
        event="ticket.escalated",
        ticket=ticket,
        extra={"escalation": {"level": level, "source": "manual", "reason": escalation.reason}},
        now=now,
    )
    lead = target.lead_id if target is not None else None
    manager = target.manager_id if target is not None and level == MAX_LEVEL else None
    receivers = user_ids(lead, manager) - {by.pk}
    text = f"Escalation L{level} needs your acknowledgement: {ticket.reference}"
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
            # A teamless escalation's siblings are teamless too: exact None is IS NULL in
            # Django, which django-stubs' lookup check does not allow for.
            team_id=escalation.team_id,  # type: ignore[misc]
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
