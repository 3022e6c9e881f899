"""The UTC days and weeks every rollup row is keyed by, and how many rows a step reads at once."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from typing import overload

CHUNK = 2000


@overload
def utc_day(value: datetime) -> date: ...
@overload
def utc_day(value: None) -> None: ...
@overload
def utc_day(value: datetime | None) -> date | None: ...
def utc_day(value: datetime | None) -> date | None:
    """The UTC date of an instant (None for None): the day a figure counts on."""
    return value.astimezone(UTC).date() if value else None


def day_bounds(days: set[date]) -> tuple[datetime, datetime]:
    """The instants [midnight of the first day, midnight after the last), in UTC."""
    lo = datetime.combine(min(days), datetime.min.time(), tzinfo=UTC)
    hi = datetime.combine(max(days) + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
    return lo, hi


def weeks_of(days: Iterable[date]) -> set[date]:
    """The weeks (their Mondays) these days fall in."""
    return {d - timedelta(days=d.weekday()) for d in days}
