"""What the sweep and people's escalations share: levels, the guarded claim, the tag,
set-based events, who to tell, and acknowledgement deadlines."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection

from ...models import Escalation, Tag, TeamServiceSettings, Ticket, TicketEvent, TicketSLA

ESCALATED_TAG = "escalated"
MAX_LEVEL = 3  # 1 the team lead, 2 a specialist team, 3 the manager
LEVELS = {1: "Team lead", 2: "Specialist team", 3: "Manager"}


def claim_rows(sql: str, params: list) -> list[tuple]:
    ops = connection.ops
    params = [ops.adapt_datetimefield_value(p) if isinstance(p, datetime) else p for p in params]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def kind_label(kind: str) -> str:
    return TicketSLA.Kind(kind).label.lower()


def people_for(ticket_ids) -> dict[int, tuple[int | None, int | None, str, int | None]]:
    """ticket id → (assignee id, team lead id, reference text, team id)."""
    rows = Ticket.objects.filter(pk__in=ticket_ids).values_list(
        "pk", "assignee_id", "team__lead_id", "subject", "team_id"
    )
    return {pk: (a, lead, f"FL-{pk} {subject}", team) for pk, a, lead, subject, team in rows}


def user_ids(*ids: int | None) -> set[int]:
    """Who to tell: the distinct user ids among these, the missing ones (None) left out."""
    return {i for i in ids if i is not None}


def tag_escalated(ticket_ids) -> None:
    tag, _ = Tag.objects.get_or_create(name=ESCALATED_TAG)
    through = Ticket.tags.through
    through.objects.bulk_create(
        [through(ticket_id=t, tag_id=tag.pk) for t in ticket_ids], ignore_conflicts=True
    )


def record_events(ticket_ids, kind, field_name, new, now, old="") -> None:
    TicketEvent.objects.bulk_create(
        TicketEvent(ticket_id=t, created_at=now, kind=kind, field=field_name, old=old, new=str(new))
        for t in ticket_ids
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


def ack_due(team_id: int | None, level: int, now: datetime) -> datetime | None:
    """The acknowledgement deadline; the top level (the manager) has none: nobody is above."""
    return now + timedelta(minutes=ack_minutes(team_id)) if level < MAX_LEVEL else None


def ack_deadlines(team_ids, level: int, now: datetime) -> dict[int | None, datetime | None]:
    """`ack_due` for many teams at once (one query): the sweep escalates in sets."""
    if level >= MAX_LEVEL:
        return dict.fromkeys(team_ids)
    own = dict(
        TeamServiceSettings.objects.filter(
            team_id__in=team_ids - {None}, escalation_ack_minutes__isnull=False
        ).values_list("team_id", "escalation_ack_minutes")
    )
    default = settings.FRONTLINE["ESCALATION_ACK_MINUTES"]
    return {t: now + timedelta(minutes=own.get(t) or default) for t in team_ids}


def open_at_or_above(ticket_ids, level: int) -> set[int]:
    """Tickets that already have an open escalation at `level` or higher."""
    return set(
        Escalation.objects.filter(
            ticket_id__in=ticket_ids, level__gte=level, resolved_at__isnull=True
        ).values_list("ticket_id", flat=True)
    )
