"""Business-time arithmetic: open intervals of a weekly calendar in a time zone, with holidays.

Definition (what the tests check against a minute-by-minute walk): a UTC instant is open when
its local wall-clock time in the calendar's zone falls inside one of that weekday's intervals
and its local date is not a holiday. That makes the spring-forward gap simply absent and the
fall-back hour count twice when it lies inside business hours — exactly the hours the team
actually works.

Within a stretch of UTC where the zone's offset does not change, local time is UTC plus a
constant, so intervals are computed per such stretch and shifted back. Offset changes are found
per UTC day and located to the second by bisection.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

DAY = timedelta(days=1)
MINUTE = timedelta(minutes=1)
SEARCH_LIMIT = timedelta(days=366 * 3)


@dataclass(frozen=True)
class BusinessCalendar:
    """Weekly opening intervals in a zone.

    `weekly` holds (weekday, start_minute, end_minute) with Monday = 0 and minutes after local
    midnight, 0 <= start < end <= 1440 (1440 = end of day). `holidays` are local dates with no
    business hours. `always_open` makes a 24/7 calendar (holidays then ignored).
    """

    time_zone: str = "UTC"
    weekly: tuple[tuple[int, int, int], ...] = ()
    holidays: frozenset[date] = field(default_factory=frozenset)
    always_open: bool = False

    def __post_init__(self):
        for weekday, start, end in self.weekly:
            if not (0 <= weekday <= 6 and 0 <= start < end <= 1440):
                raise ValueError(f"Bad business-hours interval {(weekday, start, end)!r}")

    @property
    def zone(self) -> ZoneInfo:
        return _zone(self.time_zone)

    @classmethod
    def twenty_four_seven(cls) -> BusinessCalendar:
        return cls(always_open=True)

    @classmethod
    def weekdays(
        cls, time_zone: str, start: int = 9 * 60, end: int = 17 * 60, holidays=()
    ) -> BusinessCalendar:
        return cls(time_zone, tuple((d, start, end) for d in range(5)), frozenset(holidays))


@lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


# --- Reading stored values -----------------------------------------------------------------
# The stored shapes (tickets.models.BusinessHours): `weekly` a list of [weekday, start_minute,
# end_minute], `custom_holidays` a list of ISO dates, `time_zone` an IANA name. Each parser
# raises ValueError with a sentence a person can act on; the model's clean(), the settings
# forms and the SLA clocks (which fall back to calendar time) all read through them.


@lru_cache(maxsize=1)
def zone_names() -> tuple[str, ...]:
    """The IANA zone names this machine knows, sorted."""
    return tuple(sorted(available_timezones()))


def parse_zone(value) -> str:
    """The zone name if it is a known IANA zone."""
    if not isinstance(value, str) or not value:
        raise ValueError("The time zone must be an IANA zone name such as Europe/Berlin.")
    try:
        _zone(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"{value!r} is not a known time zone (e.g. Europe/Berlin).") from exc
    return value


def parse_weekly(value) -> tuple[tuple[int, int, int], ...]:
    """Weekly intervals from their stored form, checked: whole minutes, Monday = 0, start
    before end within the day, no overlaps on a day."""
    if not isinstance(value, list | tuple):
        raise ValueError(
            "Weekly hours must be a list of [weekday, start minute, end minute] "
            '(e.g. [[0, 540, 1020]] for Monday 09:00-17:00), not {"mon": ...}.'
        )
    intervals = []
    for item in value:
        if (
            not isinstance(item, list | tuple)
            or len(item) != 3
            or not all(isinstance(x, int) and not isinstance(x, bool) for x in item)
        ):
            raise ValueError(
                f"{item!r} is not [weekday, start minute, end minute] "
                "(e.g. [0, 540, 1020] for Monday 09:00-17:00)."
            )
        weekday, start, end = item
        if not 0 <= weekday <= 6:
            raise ValueError(f"Weekday {weekday} is not 0 (Monday) to 6 (Sunday).")
        if not 0 <= start < end <= 1440:
            raise ValueError(
                f"{minutes_label(start)}-{minutes_label(end)} on {WEEKDAY_NAMES[weekday]}: "
                "the opening time must come before the closing time, within the day."
            )
        intervals.append((weekday, start, end))
    intervals.sort()
    for (d1, _s1, e1), (d2, s2, _e2) in zip(intervals, intervals[1:], strict=False):
        if d1 == d2 and s2 < e1:
            raise ValueError(f"Two intervals overlap on {WEEKDAY_NAMES[d1]}.")
    return tuple(intervals)


def parse_dates(value) -> frozenset[date]:
    """Custom holidays from their stored form: a list of ISO dates (YYYY-MM-DD)."""
    if not isinstance(value, list | tuple):
        raise ValueError('Custom holidays must be a list of dates such as ["2026-12-24"].')
    days = set()
    for item in value:
        try:
            days.add(date.fromisoformat(item))
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{item!r} is not a date written YYYY-MM-DD.") from exc
    return frozenset(days)


WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def minutes_label(minutes: int) -> str:
    """Minutes after midnight as 24-hour time (1440 is 24:00)."""
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _offset(zone: ZoneInfo, at: datetime) -> timedelta:
    return at.astimezone(zone).utcoffset() or timedelta(0)


def _constant_offset_segments(
    zone: ZoneInfo, start: datetime, end: datetime
) -> Iterator[tuple[datetime, datetime, timedelta]]:
    """Split [start, end) into stretches with one UTC offset each."""
    cursor = start
    while cursor < end:
        step_end = min(end, cursor + DAY)
        off = _offset(zone, cursor)
        if _offset(zone, step_end - timedelta(seconds=1)) == off:
            yield cursor, step_end, off
            cursor = step_end
            continue
        lo, hi = cursor, step_end - timedelta(seconds=1)  # offset(lo) == off != offset(hi)
        while hi - lo > timedelta(seconds=1):
            mid = lo + (hi - lo) / 2
            mid = mid.replace(microsecond=0)
            if _offset(zone, mid) == off:
                lo = mid
            else:
                hi = mid
        yield cursor, hi, off
        cursor = hi


def open_intervals(
    cal: BusinessCalendar, start: datetime, end: datetime
) -> list[tuple[datetime, datetime]]:
    """Open UTC intervals inside [start, end), sorted and merged."""
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    if start >= end:
        return []
    if cal.always_open:
        return [(start, end)]
    by_day: dict[int, list[tuple[int, int]]] = {}
    for weekday, a, b in cal.weekly:
        by_day.setdefault(weekday, []).append((a, b))
    pieces: list[tuple[datetime, datetime]] = []
    for seg_start, seg_end, off in _constant_offset_segments(cal.zone, start, end):
        local_start = (seg_start + off).replace(tzinfo=None)
        local_end = (seg_end + off).replace(tzinfo=None)
        day = local_start.date()
        while day <= local_end.date():
            if day not in cal.holidays:
                midnight = datetime.combine(day, datetime.min.time())
                for a, b in by_day.get(day.weekday(), ()):
                    lo = max(midnight + timedelta(minutes=a), local_start)
                    hi = min(midnight + timedelta(minutes=b), local_end)
                    if lo < hi:
                        pieces.append(
                            ((lo - off).replace(tzinfo=UTC), (hi - off).replace(tzinfo=UTC))
                        )
            day += DAY
    return _merge(pieces)


def _merge(pieces: Iterable[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    merged: list[tuple[datetime, datetime]] = []
    for a, b in sorted(pieces):
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return merged


def business_minutes_between(cal: BusinessCalendar, start: datetime, end: datetime) -> float:
    """Open minutes in [start, end); 0 when end <= start."""
    return sum((b - a).total_seconds() for a, b in open_intervals(cal, start, end)) / 60


def add_business_minutes(cal: BusinessCalendar, start: datetime, minutes: float) -> datetime:
    """The instant by which `minutes` open minutes have passed since `start`.

    Walks the calendar a UTC day at a time; each day's open intervals are computed once per
    calendar and kept (`_day_intervals`), so many targets on one calendar cost little.
    Raises ValueError when the calendar has no open time within three years.
    """
    start = start.astimezone(UTC)
    remaining = timedelta(minutes=minutes)
    if remaining <= timedelta(0):
        return start
    if cal.always_open:
        return start + remaining
    day = start.date()
    last = (start + SEARCH_LIMIT).date()
    while day <= last:
        for a, b in _day_intervals(cal, day):
            a = max(a, start)
            if b <= a:
                continue
            if b - a >= remaining:
                return a + remaining
            remaining -= b - a
        day += DAY
    raise ValueError("This calendar has no business hours within three years.")


@lru_cache(maxsize=8192)
def _day_intervals(cal: BusinessCalendar, day: date) -> tuple[tuple[datetime, datetime], ...]:
    """The open UTC intervals of one UTC day (a calendar is immutable, so they never change)."""
    midnight = datetime.combine(day, datetime.min.time(), tzinfo=UTC)
    return tuple(open_intervals(cal, midnight, midnight + DAY))
