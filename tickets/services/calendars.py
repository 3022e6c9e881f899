"""Business-hours calendars from their stored rows, read defensively.

A calendar stored before validation existed (`{"mon": ["09:00", "17:00"]}`, an unknown zone,
a malformed holiday) must never fail a public page or a task: it is reported to the admins
once (notify.setting_fault_report) and the team counts in calendar time (24/7) until it is
fixed. The settings pages' preview reads through the same `calendar_from_hours`.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from ..business_time import BusinessCalendar, open_intervals, parse_dates, parse_weekly, parse_zone
from ..models import BusinessHours
from ..validators import check_holiday_region, holiday_dates
from .notify import setting_fault_report


def calendar_from_hours(hours: BusinessHours, years) -> BusinessCalendar:
    """The calendar of a business-hours row for the given years. Raises ValueError (with a
    sentence for a person) when a stored value is invalid."""
    if hours.always_open:
        return BusinessCalendar.twenty_four_seven()
    zone = parse_zone(hours.time_zone)
    weekly = parse_weekly(hours.weekly)
    check_holiday_region(hours.holiday_country, hours.holiday_subdivision)
    days = set(parse_dates(hours.custom_holidays))
    days |= holiday_dates(hours.holiday_country, hours.holiday_subdivision, tuple(years))
    return BusinessCalendar(zone, weekly, frozenset(days))


def calendar_or_fallback(hours: BusinessHours | None, around: datetime) -> BusinessCalendar:
    """The row's calendar for the years around `around`; 24/7 when there is none or when it
    is invalid (then the admins are told, once)."""
    if hours is None or hours.always_open:
        return BusinessCalendar.twenty_four_seven()
    try:
        return calendar_from_hours(hours, range(around.year - 1, around.year + 3))
    except ValueError as exc:
        setting_fault_report(
            setting=hours, problem=f"{exc} Its teams count SLA time 24/7 meanwhile."
        )
        return BusinessCalendar.twenty_four_seven()


def open_hours_by_day(
    cal: BusinessCalendar, *, start: date, days: int
) -> list[tuple[date, list[tuple[datetime, datetime]]]]:
    """For each of `days` local dates from `start`, the open intervals (in the calendar's
    zone) — the settings page's preview of the next days."""
    zone = cal.zone
    out = []
    for offset in range(days):
        day = start + timedelta(days=offset)
        lo = datetime.combine(day, datetime.min.time(), tzinfo=zone)
        hi = datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=zone)
        pieces = [(a.astimezone(zone), b.astimezone(zone)) for a, b in open_intervals(cal, lo, hi)]
        out.append((day, pieces))
    return out
