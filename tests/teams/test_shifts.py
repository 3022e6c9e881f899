"""teams.shifts: on shift at an instant and shift intervals, across DST and midnight."""

import bisect
import zoneinfo
from datetime import UTC, date, datetime, time, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from teams import shifts
from teams.shifts import DatedShift, Rota, WeeklyShift

NY = "America/New_York"


def utc(*args):
    return datetime(*args, tzinfo=UTC)


def total_hours(spans):
    return sum((b - a).total_seconds() for a, b in spans) / 3600


def test_night_shift_lasts_nine_hours_on_the_autumn_night():
    # 2026-11-01: New York falls back from 02:00 EDT to 01:00 EST.
    r = Rota(NY, weekly=(WeeklyShift(5, time(22), time(6)),))  # Saturday night
    spans = shifts.intervals(r, utc(2026, 10, 31), utc(2026, 11, 2))
    assert spans == [(utc(2026, 11, 1, 2), utc(2026, 11, 1, 11))]
    assert total_hours(spans) == 9


def test_night_shift_lasts_seven_hours_on_the_spring_night():
    # 2026-03-08: New York springs forward from 02:00 EST to 03:00 EDT.
    r = Rota(NY, weekly=(WeeklyShift(5, time(22), time(6)),))
    spans = shifts.intervals(r, utc(2026, 3, 7), utc(2026, 3, 9))
    assert spans == [(utc(2026, 3, 8, 3), utc(2026, 3, 8, 10))]


def test_shift_starting_in_the_spring_gap_starts_when_the_clock_jumps():
    r = Rota(NY, weekly=(WeeklyShift(6, time(2, 30), time(10)),))  # Sunday 02:30 never exists
    assert shifts.intervals(r, utc(2026, 3, 8), utc(2026, 3, 9)) == [
        (utc(2026, 3, 8, 7), utc(2026, 3, 8, 14))  # 03:00 EDT to 10:00 EDT
    ]


def test_shift_ending_in_the_autumn_overlap_ends_at_the_first_occurrence():
    r = Rota(NY, weekly=(WeeklyShift(5, time(20), time(1, 30)),))
    assert shifts.intervals(r, utc(2026, 10, 31), utc(2026, 11, 2)) == [
        (utc(2026, 11, 1, 0), utc(2026, 11, 1, 5, 30))  # 01:30 EDT
    ]


def test_on_shift_across_midnight_and_not_after_the_end():
    r = Rota("Asia/Manila", weekly=(WeeklyShift(0, time(21), time(5)),))  # Monday night
    # Monday 2026-11-23 21:00 Manila = 13:00 UTC; Tuesday 05:00 Manila = 21:00 UTC.
    assert not shifts.on_shift(r, utc(2026, 11, 23, 12, 59))
    assert shifts.on_shift(r, utc(2026, 11, 23, 13, 0))
    assert shifts.on_shift(r, utc(2026, 11, 23, 20, 59))
    assert not shifts.on_shift(r, utc(2026, 11, 23, 21, 0))


def test_changed_hours_replace_the_weekly_shift_and_extra_adds_to_it():
    weekly = (WeeklyShift(2, time(9), time(17)),)  # Wednesday
    day = date(2026, 11, 25)
    changed = Rota("UTC", weekly=weekly, dated=(DatedShift(day, time(12), time(20), True),))
    assert shifts.intervals(changed, utc(2026, 11, 25), utc(2026, 11, 26)) == [
        (utc(2026, 11, 25, 12), utc(2026, 11, 25, 20))
    ]
    extra = Rota("UTC", weekly=weekly, dated=(DatedShift(day, time(18), time(20), False),))
    assert total_hours(shifts.intervals(extra, utc(2026, 11, 25), utc(2026, 11, 26))) == 10


def test_time_off_cancels_shifts_starting_that_day_but_not_the_night_before():
    weekly = tuple(WeeklyShift(d, time(22), time(6)) for d in range(7))
    r = Rota("UTC", weekly=weekly, days_off=((date(2026, 11, 25), date(2026, 11, 26)),))
    spans = shifts.intervals(r, utc(2026, 11, 25), utc(2026, 11, 28))
    assert spans == [
        (utc(2026, 11, 25), utc(2026, 11, 25, 6)),  # Tuesday's night shift runs into Wednesday
        (utc(2026, 11, 27, 22), utc(2026, 11, 28)),
    ]


def test_touching_shifts_merge_into_one_interval():
    r = Rota("UTC", weekly=(WeeklyShift(0, time(8), time(12)), WeeklyShift(0, time(12), time(16))))
    assert shifts.intervals(r, utc(2026, 11, 23), utc(2026, 11, 24)) == [
        (utc(2026, 11, 23, 8), utc(2026, 11, 23, 16))
    ]


def test_hourly_counts_counts_an_agent_once_per_hour_with_fractional_staffing():
    r = Rota(
        "UTC",
        weekly=(WeeklyShift(0, time(8), time(9, 15)), WeeklyShift(0, time(9, 45), time(11))),
    )
    rows = shifts.hourly_counts([r, Rota("UTC")], utc(2026, 11, 23, 8), 3)
    assert [(n, staffed) for _, n, staffed in rows] == [(1, 1.0), (1, 0.5), (1, 1.0)]


def test_seconds_within_counts_only_the_overlap():
    spans = [(utc(2026, 1, 1, 8), utc(2026, 1, 1, 10)), (utc(2026, 1, 1, 12), utc(2026, 1, 1, 13))]
    windows = [(utc(2026, 1, 1, 9), utc(2026, 1, 1, 12, 30))]
    assert shifts.seconds_within(spans, windows) == 3 * 1800


# --- property test against a brute-force minute walk ---------------------------------------

ZONES = [
    "UTC",
    "America/New_York",
    "America/Los_Angeles",
    "America/St_Johns",
    "Europe/London",
    "Europe/Warsaw",
    "Asia/Manila",
    "Asia/Kathmandu",
    "Australia/Sydney",
    "Australia/Lord_Howe",  # 30-minute DST
    "Pacific/Chatham",  # +12:45 / +13:45
]


def _transitions(zone: str) -> list[datetime]:
    """Local wall-clock readings just before each UTC-offset change in 2025-2027."""
    tz = zoneinfo.ZoneInfo(zone)
    out, t = [], datetime(2025, 1, 1, tzinfo=UTC)
    prev = t.astimezone(tz).utcoffset()
    while t.year < 2028:
        nxt = t + timedelta(minutes=15)
        off = nxt.astimezone(tz).utcoffset()
        if off != prev:
            out.append(t.astimezone(tz).replace(tzinfo=None))
            prev = off
        t = nxt
    return out


TRANSITIONS = {z: _transitions(z) for z in ZONES}
minutes_of_day = st.integers(0, 24 * 60 - 1).map(lambda m: time(m // 60, m % 60))


@st.composite
def cases(draw):
    tz = draw(st.sampled_from(ZONES))
    near_change = bool(TRANSITIONS[tz]) and draw(st.booleans())
    if near_change:
        # A window and shift times around a DST change, where the rules are easy to get wrong.
        pivot = draw(st.sampled_from(TRANSITIONS[tz]))
        base = pivot.date()
        times = st.integers(-150, 150).map(lambda m: (pivot + timedelta(minutes=m)).time())
        start = datetime.combine(base, time(), UTC) - timedelta(hours=draw(st.integers(0, 36)))
    else:
        base = draw(st.dates(date(2024, 1, 1), date(2030, 12, 31)))
        times = minutes_of_day
        start = datetime.combine(base, time(), UTC) + timedelta(minutes=draw(st.integers(0, 1440)))
    end = start + timedelta(minutes=draw(st.integers(0, 60 * 60)))

    def shift():
        s, e = draw(times), draw(times)
        return (s, e) if s != e else (s, (datetime.combine(base, s) + timedelta(hours=1)).time())

    weekly = tuple(
        WeeklyShift(draw(st.integers(0, 6)), *shift()) for _ in range(draw(st.integers(0, 5)))
    )
    near = st.integers(-3, 4).map(lambda d: base + timedelta(days=d))
    dated = tuple(
        DatedShift(draw(near), *shift(), draw(st.booleans()))
        for _ in range(draw(st.integers(0, 3)))
    )
    offs = []
    for _ in range(draw(st.integers(0, 2))):
        a = draw(near)
        offs.append((a, a + timedelta(days=draw(st.integers(0, 2)))))
    return Rota(tz, weekly=weekly, dated=dated, days_off=tuple(offs)), start, end


def brute_force_minutes(r: Rota, start: datetime, end: datetime) -> set[datetime]:
    """Walk every minute of [start, end]; a shift runs from the first minute the local clock
    reads its start (or later) to the first minute it reads its end (or later). Readings
    before the walk count as at its first minute, readings after it as after its end."""
    tz = zoneinfo.ZoneInfo(r.time_zone)
    walk = [
        start + timedelta(minutes=i) for i in range(int((end - start).total_seconds() // 60) + 1)
    ]
    running_max, top = [], datetime(1, 1, 1)  # noqa: DTZ001 - naive wall-clock readings
    for m in walk:
        top = max(top, m.astimezone(tz).replace(tzinfo=None))
        running_max.append(top)

    def first_reading(naive: datetime) -> int:
        return bisect.bisect_left(running_max, naive)  # index into walk; len(walk) = never

    def day_shifts(d: date):
        if any(a <= d <= b for a, b in r.days_off):
            return []
        todays = [x for x in r.dated if x.date == d]
        replaced = [(x.start, x.end) for x in todays if x.replaces]
        weekly = [(w.start, w.end) for w in r.weekly if w.weekday == d.weekday()]
        return (replaced or weekly) + [(x.start, x.end) for x in todays if not x.replaces]

    on_minutes: set[int] = set()
    d = start.astimezone(tz).date() - timedelta(days=2)
    while d <= end.astimezone(tz).date():
        for s, e in day_shifts(d):
            on = first_reading(datetime.combine(d, s))
            off = first_reading(datetime.combine(d + timedelta(days=1 if e <= s else 0), e))
            on_minutes.update(range(on, min(off, len(walk) - 1)))
        d += timedelta(days=1)
    return {walk[i] for i in on_minutes}


def minutes_of(spans) -> set[datetime]:
    out = set()
    for a, b in spans:
        m = a
        while m < b:
            out.add(m)
            m += timedelta(minutes=1)
    return out


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases(), st.integers(0, 60 * 60))
def test_intervals_match_a_minute_walk(case, probe):
    r, start, end = case
    spans = shifts.intervals(r, start, end)
    assert all(start <= a < b <= end for a, b in spans)
    assert all(spans[i][1] < spans[i + 1][0] for i in range(len(spans) - 1)), "merged, sorted"
    expected = brute_force_minutes(r, start, end)
    assert minutes_of(spans) == expected
    t = start + timedelta(minutes=probe)
    if t < end:
        assert shifts.on_shift(r, t) == (t in expected)
