"""Business-time arithmetic against a brute-force walk, minute by minute, of the definition."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tickets.business_time import (
    BusinessCalendar,
    add_business_minutes,
    business_minutes_between,
    open_intervals,
)

ZONES = [
    "UTC",
    "America/New_York",
    "Europe/Warsaw",
    "Asia/Manila",
    "Australia/Lord_Howe",
    "America/Santiago",
]


def is_open(cal: BusinessCalendar, minute: datetime) -> bool:
    """The definition itself: local wall time inside a weekly interval on a non-holiday."""
    local = minute.astimezone(ZoneInfo(cal.time_zone))
    if local.date() in cal.holidays:
        return False
    m = local.hour * 60 + local.minute
    return any(d == local.weekday() and a <= m < b for d, a, b in cal.weekly)


def walk_minutes(cal, start, end) -> int:
    count, t = 0, start
    while t < end:
        count += is_open(cal, t)
        t += timedelta(minutes=1)
    return count


def walk_add(cal, start, minutes) -> datetime:
    t, left = start, minutes
    if left == 0:
        return start
    while True:
        if is_open(cal, t):
            left -= 1
            if left == 0:
                return t + timedelta(minutes=1)
        t += timedelta(minutes=1)


@st.composite
def calendars(draw):
    zone = draw(st.sampled_from(ZONES))
    weekly = []
    for weekday in range(7):
        if draw(st.booleans()):
            a = draw(st.integers(0, 1320))
            b = draw(st.integers(a + 120, 1440))
            weekly.append((weekday, a, b))
    if not weekly:
        weekly.append((0, 540, 1020))
    holidays = frozenset(draw(st.lists(st.dates(date(2026, 3, 1), date(2026, 4, 15)), max_size=3)))
    return BusinessCalendar(zone, tuple(weekly), holidays)


# Starts around the 2026 DST changes (March/April in the north and south, Lord Howe's 30 minutes).
starts = st.datetimes(datetime(2026, 3, 5), datetime(2026, 4, 10)).map(
    lambda d: d.replace(second=0, microsecond=0, tzinfo=UTC)
)


@settings(max_examples=40, deadline=None)
@given(cal=calendars(), start=starts, span=st.integers(0, 3 * 1440))
def test_minutes_between_equals_minute_walk(cal, start, span):
    end = start + timedelta(minutes=span)
    assert business_minutes_between(cal, start, end) == walk_minutes(cal, start, end)


@settings(max_examples=40, deadline=None)
@given(cal=calendars(), start=starts, minutes=st.integers(0, 360))
def test_add_minutes_equals_minute_walk(cal, start, minutes):
    assert add_business_minutes(cal, start, minutes) == walk_add(cal, start, minutes)


def test_friday_evening_ticket_is_due_monday_when_hours_are_weekdays_nine_to_five():
    cal = BusinessCalendar.weekdays("America/New_York")
    friday_4pm = datetime(2026, 11, 20, 21, 0, tzinfo=UTC)  # 16:00 in New York
    due = add_business_minutes(cal, friday_4pm, 120)
    assert due.astimezone(ZoneInfo("America/New_York")) == datetime(
        2026, 11, 23, 10, 0, tzinfo=ZoneInfo("America/New_York")
    )


def test_holiday_is_skipped():
    cal = BusinessCalendar.weekdays("Europe/Warsaw", holidays=[date(2026, 11, 11)])
    tuesday_5pm = datetime(2026, 11, 10, 16, 0, tzinfo=UTC)  # 17:00 in Warsaw, closing time
    due = add_business_minutes(cal, tuesday_5pm, 60)
    assert due == datetime(2026, 11, 12, 10, 0, tzinfo=ZoneInfo("Europe/Warsaw"))


def test_fall_back_hour_counts_twice_inside_business_hours():
    # 1 Nov 2026 01:00-02:00 happens twice in New York; a Sunday 00:00-03:00 shift holds 4 hours.
    cal = BusinessCalendar("America/New_York", ((6, 0, 180),))
    day_start = datetime(2026, 11, 1, 4, 0, tzinfo=UTC)
    assert business_minutes_between(cal, day_start, day_start + timedelta(days=1)) == 240


def test_twenty_four_seven_is_plain_addition():
    start = datetime(2026, 3, 8, 6, 30, tzinfo=UTC)
    assert add_business_minutes(
        BusinessCalendar.twenty_four_seven(), start, 90
    ) == start + timedelta(minutes=90)


def test_open_intervals_are_sorted_and_disjoint():
    cal = BusinessCalendar("UTC", ((0, 0, 1440), (1, 0, 600)))
    intervals = open_intervals(
        cal, datetime(2026, 11, 23, tzinfo=UTC), datetime(2026, 11, 25, tzinfo=UTC)
    )
    assert intervals == [
        (datetime(2026, 11, 23, tzinfo=UTC), datetime(2026, 11, 24, 10, tzinfo=UTC))
    ]


def test_bad_interval_is_refused():
    with pytest.raises(ValueError, match="Bad business-hours interval"):
        BusinessCalendar("UTC", ((0, 600, 500),))
