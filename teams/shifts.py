"""When an agent is on shift, as UTC intervals. Pure functions over plain data: no database.

A shift is written in the agent's local wall-clock time (a weekday or a date, a start and an
end; an end not after the start means the shift ends on the next local day). A wall-clock
time becomes an instant as "the first moment the local clock shows that time or later":
- in the autumn overlap (01:30 happens twice) that is the first 01:30;
- in the spring gap (02:30 never happens) that is the moment the clock jumps forward.
So a 22:00-06:00 night shift lasts 9 real hours on the autumn night and 7 on the spring one.

Rules for one local date D (time off wins over everything):
- D inside a time-off range: no shift starts on D;
- otherwise, if there are `changed` exceptions on D, they replace D's weekly shifts;
- `extra` exceptions on D are added to whatever D has.
Overlapping or touching intervals are merged.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

Interval = tuple[datetime, datetime]


@dataclass(frozen=True)
class WeeklyShift:
    weekday: int  # 0 = Monday
    start: time
    end: time


@dataclass(frozen=True)
class DatedShift:
    date: date
    start: time
    end: time
    replaces: bool  # True: "changed hours" (replaces the weekly shifts of that date)


@dataclass(frozen=True)
class Rota:
    """Everything needed to place one agent's shifts in time."""

    time_zone: str
    weekly: tuple[WeeklyShift, ...] = ()
    dated: tuple[DatedShift, ...] = ()
    days_off: tuple[tuple[date, date], ...] = ()  # inclusive local date ranges
    _tz: zoneinfo.ZoneInfo = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        object.__setattr__(self, "_tz", zoneinfo.ZoneInfo(self.time_zone))

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return self._tz

    def is_day_off(self, day: date) -> bool:
        return any(a <= day <= b for a, b in self.days_off)

    def shifts_on(self, day: date) -> list[tuple[time, time]]:
        """The (start, end) wall-clock shifts that start on local date `day`."""
        if self.is_day_off(day):
            return []
        dated = [d for d in self.dated if d.date == day]
        if any(d.replaces for d in dated):
            base = [(d.start, d.end) for d in dated if d.replaces]
        else:
            base = [(w.start, w.end) for w in self.weekly if w.weekday == day.weekday()]
        return base + [(d.start, d.end) for d in dated if not d.replaces]


def wall_to_utc(day: date, at: time, tz: zoneinfo.ZoneInfo) -> datetime:
    """The first instant (UTC) at which the local clock in `tz` shows `day at` or later."""
    naive = datetime.combine(day, at)
    early = naive.replace(tzinfo=tz, fold=0).astimezone(UTC)
    if early.astimezone(tz).replace(tzinfo=None) == naive:
        return early  # exists; fold=0 is its first occurrence
    # In a gap: the clock jumps past `naive` somewhere between the two readings.
    lo = naive.replace(tzinfo=tz, fold=1).astimezone(UTC)
    hi = early
    if lo > hi:
        lo, hi = hi, lo
    while hi - lo > timedelta(seconds=1):
        mid = lo + (hi - lo) / 2
        if mid.astimezone(tz).replace(tzinfo=None) >= naive:
            hi = mid
        else:
            lo = mid
    return hi.replace(microsecond=0) if hi.microsecond else hi


def _instances(rota: Rota, first: date, last: date) -> Iterator[Interval]:
    day = first
    while day <= last:
        for start, end in rota.shifts_on(day):
            end_day = day + timedelta(days=1) if end <= start else day
            a = wall_to_utc(day, start, rota.tz)
            b = wall_to_utc(end_day, end, rota.tz)
            if b > a:
                yield a, b
        day += timedelta(days=1)


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Sort and merge overlapping or touching intervals."""
    out: list[Interval] = []
    for a, b in sorted(intervals):
        if out and a <= out[-1][1]:
            if b > out[-1][1]:
                out[-1] = (out[-1][0], b)
        else:
            out.append((a, b))
    return out


def intervals(rota: Rota, start: datetime, end: datetime) -> list[Interval]:
    """The agent's on-shift time inside [start, end), as merged UTC intervals."""
    if end <= start:
        return []
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    # A shift starting two local days before `start` can still be running (≤ 24h + DST).
    first = start.astimezone(rota.tz).date() - timedelta(days=2)
    last = end.astimezone(rota.tz).date()
    clipped = (
        (max(a, start), min(b, end))
        for a, b in _instances(rota, first, last)
        if a < end and b > start
    )
    return merge(clipped)


def on_shift(rota: Rota, at: datetime) -> bool:
    """Is the agent on shift at instant `at`?"""
    return bool(intervals(rota, at, at + timedelta(microseconds=1)))


def seconds_within(spans: Iterable[Interval], windows: Iterable[Interval]) -> float:
    """Total seconds of `spans` that fall inside `windows` (both lists of UTC intervals)."""
    spans, windows = merge(spans), merge(windows)
    total, i = 0.0, 0
    for a, b in spans:
        while i < len(windows) and windows[i][1] <= a:
            i += 1
        j = i
        while j < len(windows) and windows[j][0] < b:
            lo, hi = max(a, windows[j][0]), min(b, windows[j][1])
            if hi > lo:
                total += (hi - lo).total_seconds()
            j += 1
    return total


def hourly_counts(
    rotas: Iterable[Rota], start: datetime, hours: int
) -> list[tuple[datetime, int, float]]:
    """For each real hour from `start`: (hour start UTC, agents on shift at any moment of the
    hour, staffed hours = sum of each agent's on-shift fraction of the hour)."""
    start = start.astimezone(UTC)
    end = start + timedelta(hours=hours)
    counts = [0] * hours
    staffed = [0.0] * hours
    for rota in rotas:
        touched: set[int] = set()
        for a, b in intervals(rota, start, end):
            first = int((a - start).total_seconds() // 3600)
            last = min(int(((b - start).total_seconds() - 1e-6) // 3600), hours - 1)
            for h in range(first, last + 1):
                h_start = start + timedelta(hours=h)
                overlap = min(b, h_start + timedelta(hours=1)) - max(a, h_start)
                if overlap > timedelta(0):
                    staffed[h] += overlap.total_seconds() / 3600
                    touched.add(h)
        for h in touched:
            counts[h] += 1
    return [(start + timedelta(hours=h), counts[h], round(staffed[h], 4)) for h in range(hours)]
