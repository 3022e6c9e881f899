"""Business-hours calendars from the Settings area: save (validated, audited, teams attached,
open tickets' due times recomputed quietly) and the preview of the next days' open hours."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import transaction

from teams.models import Team

from ...business_time import minutes_label
from ...models import BusinessHours, TeamServiceSettings
from ..calendars import calendar_from_hours, open_hours_by_day
from .audit import setting_audit
from .recompute import sla_recompute_later

SECTION = "business_hours"
FIELDS = (
    "name",
    "time_zone",
    "weekly",
    "holiday_country",
    "holiday_subdivision",
    "custom_holidays",
    "always_open",
)


def hours_snapshot(hours: BusinessHours | None) -> dict | None:
    """The calendar's values as the audit trail keeps them (teams by name)."""
    if hours is None or hours.pk is None:
        return None
    values = {f: getattr(hours, f) for f in FIELDS}
    values["teams"] = sorted(
        TeamServiceSettings.objects.filter(business_hours=hours).values_list(
            "team__name", flat=True
        )
    )
    return values


@dataclass(frozen=True)
class PreviewDay:
    """One local date of the preview: its open intervals as 24-hour times, and a holiday."""

    day: date
    intervals: list[str]
    holiday: bool
    open_minutes: int

    @property
    def total(self) -> str:
        hours, minutes = divmod(self.open_minutes, 60)
        return f"{hours} h {minutes:02d} min" if minutes else f"{hours} h"


def business_hours_preview(
    *, hours: BusinessHours, today: date, days: int = 14
) -> list[PreviewDay]:
    """The open hours of the next `days` local dates of an (unsaved) calendar. Raises
    ValueError for invalid values, like the SLA clocks would."""
    cal = calendar_from_hours(hours, range(today.year, today.year + 2))
    out = []
    for day, pieces in open_hours_by_day(cal, start=today, days=days):
        labels = [f"{a:%H:%M}–{'24:00' if b.date() > day else f'{b:%H:%M}'}" for a, b in pieces]
        minutes = int(sum((b - a).total_seconds() for a, b in pieces) // 60)
        out.append(PreviewDay(day, labels, day in cal.holidays, minutes))
    return out


@transaction.atomic
def business_hours_save(
    *,
    hours: BusinessHours | None,
    values: dict,
    teams: list[Team],
    editable_teams,
    by,
) -> BusinessHours:
    """Create or change a calendar and make it the calendar of exactly `teams` among the
    teams the editor may set (`editable_teams`; other teams keep theirs). Validated by the
    model (ValidationError), audited before/after, and the unsolved tickets of every team
    whose calendar changed get their due times recomputed after commit — quietly: what the
    change makes past due is recorded, not escalated."""
    before = hours_snapshot(hours)
    hours = hours or BusinessHours()
    for name in FIELDS:
        setattr(hours, name, values[name])
    hours.full_clean()
    hours.save()
    chosen = {t.pk for t in teams}
    editable = set(editable_teams.values_list("pk", flat=True))
    if chosen - editable:
        raise ValidationError("You may only set the calendar of your own teams.")
    attached = set(
        TeamServiceSettings.objects.filter(business_hours=hours).values_list("team_id", flat=True)
    )
    for team_id in chosen - attached:
        TeamServiceSettings.objects.update_or_create(
            team_id=team_id, defaults={"business_hours": hours}
        )
    dropped = (attached - chosen) & editable
    TeamServiceSettings.objects.filter(team_id__in=dropped, business_hours=hours).update(
        business_hours=None
    )
    after = hours_snapshot(hours)
    setting_audit(by=by, target=hours, section=SECTION, before=before, after=after)
    values_changed = any((before or {}).get(f) != after.get(f) for f in FIELDS) if after else True
    moved = (chosen - attached) | dropped | (attached & chosen if values_changed else set())
    if moved:
        sla_recompute_later(team_ids=sorted(moved))
    return hours


def weekly_rows(weekly) -> dict[int, list[tuple[str, str]]]:
    """A stored weekly list as (open, close) 24-hour times per weekday, for the grid."""
    rows: dict[int, list[tuple[str, str]]] = {d: [] for d in range(7)}
    for weekday, start, end in sorted(weekly):
        rows[weekday].append((minutes_label(start), minutes_label(end)))
    return rows


def preview_now_date(now: datetime, hours: BusinessHours) -> date:
    """Today in the calendar's zone (UTC when its zone is unknown)."""
    try:
        return now.astimezone(calendar_from_hours(hours, [now.year]).zone).date()
    except ValueError:
        return now.date()
