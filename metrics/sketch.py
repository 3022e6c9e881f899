"""Percentiles of durations (minutes): exact from the values, or from a mergeable sketch.

A distribution is either the values themselves (Values: exact percentiles, used when a
dashboard's range holds few enough tickets to read their TicketMetric rows) or a sketch,
as the rollups store it. The sketch is DDSketch-style (Masson, Rim & Lee, VLDB
2019): bucket j ≥ 0 holds the values in (m·γ^(j−1), m·γ^j] with m = MIN_MINUTES and
γ = (1 + α) / (1 − α); a percentile is reported as the bucket's point 2·m·γ^j / (γ + 1),
which lies within α of every value in the bucket, so within α of the exact nearest-rank
percentile whatever the data's shape. Values under MIN_MINUTES (a reply within a second)
share the key 0 and are reported as 0 (bucket j has the key j + 1).

A Sketch is a compact dense array of counts from its first key on (numpy int64). The rollups'
JSON columns store it as [first key, count type, base64 of the counts] ([] when empty; one
byte a count while counts stay under 256): a dashboard reading a thousand rows decodes each with one base64 call and merges it
with one vector addition, where a {bucket: count} map cost a Python step per bucket. Any set
of rows merges to exactly the sketch of all their values.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Iterable

import numpy as np

RELATIVE_ERROR = 0.01  # what the definitions page promises
ALPHA = 0.0099  # the sketch's own bound: under the promise, so float rounding cannot cross it
GAMMA = (1 + ALPHA) / (1 - ALPHA)
_LOG_GAMMA = math.log(GAMMA)
MIN_MINUTES = 1 / 60  # one second
_MID = 2 / (GAMMA + 1)
WIDE_KEYS = 1024  # keys 0..1023: durations up to 2.6 years
_WIDTHS = ("<u1", "<u2", "<u4", "<u8")
_TOPS = (2**8 - 1, 2**16 - 1, 2**32 - 1, 2**64 - 1)


class Values(list):
    """Exact durations standing in for a sketch (a small range read ticket by ticket)."""


class Sketch:
    """Counts per key from `offset` on; merge with merge_into, store with dump."""

    __slots__ = ("counts", "offset")

    def __init__(self, offset: int = 0, counts: np.ndarray | None = None):
        self.offset = offset
        self.counts = counts if counts is not None else np.zeros(0, dtype=np.int64)

    def __eq__(self, other) -> bool:
        return isinstance(other, Sketch) and dump(self) == dump(other)

    def __len__(self) -> int:
        return len(self.counts)

    def add_counts(self, offset: int, counts: np.ndarray) -> None:
        """Add counts from key `offset` on. The first merge widens the sketch once to every
        key from 0 (a year is key 870), so later merges are one slice addition each."""
        end = offset + len(counts)
        if self.offset or len(self.counts) < end:
            wide = np.zeros(max(WIDE_KEYS, end, self.offset + len(self.counts)), dtype=np.int64)
            wide[self.offset : self.offset + len(self.counts)] = self.counts
            self.offset, self.counts = 0, wide
        self.counts[offset:end] += counts


Distribution = Sketch | Values


def key_of(minutes: float) -> int:
    """The sketch key of a value: 0 under MIN_MINUTES, else j + 1 for its bucket j."""
    if minutes < MIN_MINUTES:
        return 0
    return max(0, math.ceil(math.log(minutes / MIN_MINUTES) / _LOG_GAMMA)) + 1


def key_value(key: int) -> float:
    """The value a key reports: within ALPHA of every value that lands in it."""
    if key == 0:
        return 0.0
    return MIN_MINUTES * GAMMA ** (key - 1) * _MID


def of(values: Iterable[float]) -> Sketch:
    """The sketch of these values."""
    keys = np.fromiter((key_of(v) for v in values), dtype=np.int64)
    if not len(keys):
        return Sketch()
    lo = int(keys.min())
    return Sketch(lo, np.bincount(keys - lo).astype(np.int64))


def dump(sketch: Sketch) -> list:
    """The stored (JSON) form: [first key, count type, base64 of the counts], [] when empty;
    the counts as the narrowest little-endian unsigned type that holds them."""
    nonzero = np.flatnonzero(sketch.counts)
    if not len(nonzero):
        return []
    first, last = int(nonzero[0]), int(nonzero[-1])
    counts = sketch.counts[first : last + 1]
    width = _WIDTHS[next(i for i, top in enumerate(_TOPS) if counts.max() <= top)]
    raw = counts.astype(width).tobytes()
    return [sketch.offset + first, width, base64.b64encode(raw).decode("ascii")]


def load(stored) -> Sketch:
    """A Sketch from its stored form (a Sketch or Values as they are)."""
    if isinstance(stored, Sketch | Values):
        return stored
    if not stored:
        return Sketch()
    offset, width, counts = stored
    return Sketch(offset, np.frombuffer(base64.b64decode(counts), dtype=width).astype(np.int64))


def count(dist: Distribution) -> int:
    """How many values a distribution holds."""
    return len(dist) if isinstance(dist, Values) else int(dist.counts.sum())


def copy(dist) -> Distribution:
    """A copy to merge into (of a Sketch, Values, or a stored sketch)."""
    if isinstance(dist, Values):
        return Values(dist)
    dist = load(dist)
    return Sketch(dist.offset, dist.counts.copy())


def merge_into(into: Distribution, more) -> None:
    """Add `more` (a Sketch or its stored form; Values into Values) into `into`, in place."""
    if isinstance(into, Values):
        into.extend(more or ())
        return
    if more is None or isinstance(more, Values):
        return
    more = load(more)
    if len(more.counts):
        into.add_counts(more.offset, more.counts)


def merge(dists: Iterable[Distribution | None]) -> Distribution:
    """The sum of distributions; treat the result as read-only (a single one comes back as
    is, with no copy)."""
    dists = [load(d) for d in dists if d]
    if not dists:
        return Sketch()
    if len(dists) == 1:
        return dists[0]
    out = copy(dists[0])
    for d in dists[1:]:
        merge_into(out, d)
    return out


def percentile(dist: Distribution, q: float) -> float | None:
    """The q-quantile (0 < q ≤ 1) by nearest rank, the ⌈q·n⌉-th smallest value: exact for
    Values, within ALPHA for a sketch. None when empty."""
    if isinstance(dist, Values):
        return exact_percentile(dist, q)
    total = count(dist)
    if total == 0:
        return None
    rank = max(1, math.ceil(q * total))
    index = int(np.searchsorted(np.cumsum(dist.counts), rank))
    return key_value(dist.offset + index)


def exact_percentile(values: Iterable[float], q: float) -> float | None:
    """The nearest-rank percentile over raw values."""
    ordered = sorted(values)
    if not ordered:
        return None
    return ordered[max(1, math.ceil(q * len(ordered))) - 1]
