"""Coaching writes: sessions with action items, feedback notes, ticking items done."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from ..models import ActionItem, Agent, CoachingSession, FeedbackNote
from ..permissions import can_coach, can_edit_coaching, can_tick_action_item


def _ticket_ids(ids) -> list[int]:
    try:
        out = sorted({int(i) for i in ids})
    except (TypeError, ValueError) as exc:
        raise ValidationError("Ticket ids must be whole numbers.") from exc
    if any(i <= 0 for i in out):
        raise ValidationError("Ticket ids must be positive.")
    return out


@transaction.atomic
def coaching_session_create(
    *,
    by,
    associate: Agent,
    day: date,
    agenda: str = "",
    notes: str = "",
    ticket_ids=(),
    action_items: Iterable[tuple[str, date | None]] = (),
) -> CoachingSession:
    """Log a coaching session (by a lead, manager or admin whose scope holds the associate)."""
    if not can_coach(by, associate):
        raise PermissionDenied("You may not coach this person.")
    session = CoachingSession.objects.create(
        coach=by,
        associate=associate,
        team_id=associate.team_id,
        date=day,
        agenda=agenda,
        notes=notes,
        ticket_ids=_ticket_ids(ticket_ids),
    )
    for text, due in action_items:
        if text.strip():
            ActionItem.objects.create(session=session, text=text.strip(), due_date=due)
    return session


@transaction.atomic
def coaching_session_update(
    *,
    by,
    session: CoachingSession,
    agenda: str,
    notes: str,
    ticket_ids=(),
    new_items: Iterable[tuple[str, date | None]] = (),
) -> CoachingSession:
    """Change a session's agenda, notes and linked tickets; add action items."""
    if not can_edit_coaching(by, session):
        raise PermissionDenied("You may not edit this session.")
    session.agenda, session.notes = agenda, notes
    session.ticket_ids = _ticket_ids(ticket_ids)
    session.save()
    for text, due in new_items:
        if text.strip():
            ActionItem.objects.create(session=session, text=text.strip(), due_date=due)
    return session


@transaction.atomic
def action_item_set_done(*, by, item: ActionItem, done: bool) -> ActionItem:
    """Tick or untick an action item (the associate or their coach)."""
    if not can_tick_action_item(by, item):
        raise PermissionDenied("You may not change this action item.")
    item.done = done
    item.done_at = timezone.now() if done else None
    item.save(update_fields=["done", "done_at"])
    return item


@transaction.atomic
def feedback_note_create(
    *, by, associate: Agent, kind: str, text: str, ticket_id: int | None = None
) -> FeedbackNote:
    """Drop a kudos or improvement note for an associate, optionally about one ticket
    (tickets/ can offer it from the workspace with the ticket id)."""
    if not can_coach(by, associate):
        raise PermissionDenied("You may not give this person feedback.")
    if kind not in FeedbackNote.Kind.values:
        raise ValidationError(f"Unknown kind: {kind}")
    if not text.strip():
        raise ValidationError("Write the feedback.")
    if ticket_id is not None:
        ticket_id = _ticket_ids([ticket_id])[0]
    return FeedbackNote.objects.create(
        author=by,
        associate=associate,
        team_id=associate.team_id,
        kind=kind,
        text=text.strip(),
        ticket_id=ticket_id,
    )
