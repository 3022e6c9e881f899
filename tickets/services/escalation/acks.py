"""Missed acknowledgements: an escalation nobody took on in time goes up a level."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import F

from teams.models import Team

from ...models import (
    Escalation,
    TeamServiceSettings,
    Ticket,
    TicketEvent,
)
from ..notify import notifications_create
from ..webhooks import webhooks_emit_for_ids
from .common import (
    MAX_LEVEL,
    ack_deadlines,
    claim_rows,
    open_at_or_above,
    user_ids,
)


def claim_ack_missed(now) -> list[tuple]:
    # Two statuses are done (solved, closed): fixed placeholders, no SQL built from data.
    solved, closed = Ticket.DONE
    return claim_rows(
        "UPDATE tickets_escalation SET ack_missed_at = %s "
        "WHERE acknowledged_at IS NULL AND resolved_at IS NULL AND ack_missed_at IS NULL "
        "AND ack_due_at <= %s AND ticket_id IN "
        "(SELECT id FROM tickets_ticket WHERE status NOT IN (%s, %s)) RETURNING id",
        [now, now, solved, closed],
    )


def escalate_ack_missed(ids, now) -> None:
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
        for t in open_at_or_above({e.ticket_id for e in missed if e.level == level}, level + 1)
    }
    firsts: dict[int, Escalation] = {}
    for esc in missed:
        if (esc.ticket_id, esc.level) not in above:
            firsts.setdefault(esc.ticket_id, esc)
    missed = list(firsts.values())
    if not missed:
        return
    # Both are read with an escalation's team id, None when it has none (nothing is found).
    onward: dict[int | None, int | None] = dict(
        TeamServiceSettings.objects.filter(
            team_id__in={e.team_id for e in missed}, escalate_unacknowledged_to__isnull=False
        ).values_list("team_id", "escalate_unacknowledged_to_id")
    )
    teams: dict[int | None, Team] = {
        t.pk: t
        for t in Team.objects.filter(pk__in={*onward.values(), *(e.team_id for e in missed)})
    }
    targets = {e.pk: teams.get(onward.get(e.team_id, e.team_id)) for e in missed}
    deadlines = {
        level: ack_deadlines({getattr(t, "pk", None) for t in targets.values()}, level, now)
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
        if team is not None:
            for user_id in user_ids(team.lead_id, team.manager_id):
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
