"""Writes on the rota. Each checks teams.permissions.can_edit_schedule for `by`."""

from __future__ import annotations

from datetime import date, time

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from ..models import Agent, ShiftException, ShiftTemplate, TimeOff
from ..permissions import can_edit_schedule


def _check(by, agent: Agent) -> None:
    if by is not None and not can_edit_schedule(by, agent):
        raise PermissionDenied("You may not edit this agent's schedule.")


def _check_times(start: time, end: time) -> None:
    if start == end:
        raise ValidationError("A shift must not start and end at the same time.")


@transaction.atomic
def shift_template_set(
    *,
    by,
    agent: Agent,
    weekday: int,
    start: time,
    end: time,
    template: ShiftTemplate | None = None,
) -> ShiftTemplate:
    """Create a weekly shift, or move `template` to a new day and hours. `by` None means the
    system (imports, demo data). Raises PermissionDenied or ValidationError."""
    _check(by, agent)
    _check_times(start, end)
    if not 0 <= weekday <= 6:
        raise ValidationError("Weekday must be 0 (Monday) to 6 (Sunday).")
    if template is not None and template.agent_id != agent.pk:
        raise ValidationError("That shift belongs to another agent.")
    clash = ShiftTemplate.objects.filter(agent=agent, weekday=weekday, start=start)
    if template is not None:
        clash = clash.exclude(pk=template.pk)
    if clash.exists():
        raise ValidationError("The agent already has a shift starting then on that day.")
    template = template or ShiftTemplate(agent=agent)
    template.weekday, template.start, template.end = weekday, start, end
    template.save()
    return template


@transaction.atomic
def shift_template_delete(*, by, template: ShiftTemplate) -> None:
    """Remove a weekly shift."""
    _check(by, template.agent)
    template.delete()


@transaction.atomic
def shift_templates_replace(*, by, agent: Agent, shifts: list[tuple[int, time, time]]) -> None:
    """Replace all of the agent's weekly shifts with `shifts` (weekday, start, end)."""
    _check(by, agent)
    ShiftTemplate.objects.filter(agent=agent).delete()
    for weekday, start, end in shifts:
        shift_template_set(by=None, agent=agent, weekday=weekday, start=start, end=end)


@transaction.atomic
def shift_exception_add(
    *,
    by,
    agent: Agent,
    day: date,
    start: time,
    end: time,
    kind: str = ShiftException.Kind.CHANGED,
    note: str = "",
) -> ShiftException:
    """Changed hours (replacing that day's weekly shifts) or an extra shift on local date `day`."""
    _check(by, agent)
    _check_times(start, end)
    if kind not in ShiftException.Kind.values:
        raise ValidationError(f"Unknown kind: {kind}")
    return ShiftException.objects.create(
        agent=agent, date=day, start=start, end=end, kind=kind, note=note, created_by=by
    )


@transaction.atomic
def time_off_add(
    *,
    by,
    agent: Agent,
    start_date: date,
    end_date: date,
    kind: str = TimeOff.Kind.VACATION,
    note: str = "",
) -> TimeOff:
    """Days off, inclusive; no shift starting on those local dates is worked."""
    _check(by, agent)
    if end_date < start_date:
        raise ValidationError("Time off must end on or after its first day.")
    if kind not in TimeOff.Kind.values:
        raise ValidationError(f"Unknown kind: {kind}")
    return TimeOff.objects.create(
        agent=agent,
        start_date=start_date,
        end_date=end_date,
        kind=kind,
        note=note,
        created_by=by,
    )
