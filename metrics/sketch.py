"""Percentiles of durations (minutes): exact from the values, or from a mergeable sketch.

A distribution is either the values themselves (a list: exact percentiles, used when a
dashboard's range holds few enough tickets to read their TicketMetric rows) or a sketch
(a dict), as the rollups store it. The sketch is DDSketch-style (Masson, Rim & Lee, VLDB
2019): bucket j ≥ 0 holds the values in (m·γ^(j−1), m·γ^j] with m = MIN_MINUTES and
γ = (1 + α) / (1 − α); a percentile is reported as the bucket's point 2·m·γ^j / (γ + 1),
which lies within α of every value in the bucket, so within α of the exact nearest-rank
percentile whatever the data's shape. Values under MIN_MINUTES (a reply within a second)
share the key "0" and are reported as 0. Sketches are sparse {str(j + 1): count} maps (a
day's row of a few tickets stays a few keys) and merge by adding counts, so any set of rows
merges to exactly the sketch of all their values.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

RELATIVE_ERROR = 0.01  # what the definitions page promises
ALPHA = 0.0099  # the sketch's own bound: under the promise, so float rounding cannot cross it
GAMMA = (1 + ALPHA) / (1 - ALPHA)
_LOG_GAMMA = math.log(GAMMA)
MIN_MINUTES = 1 / 60  # one second
_MID = 2 / (GAMMA + 1)

Distribution = dict | list  # a sketch {key: count}, or the exact values


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


def add(sketch: dict, minutes: float, count: int = 1) -> None:
    key = str(key_of(minutes))
    sketch[key] = sketch.get(key, 0) + count


def of(values: Iterable[float]) -> dict:
    """The sketch of these values."""
    out: dict[str, int] = {}
    for v in values:
        add(out, v)
    return out


def copy(dist: Distribution) -> Distribution:
    return list(dist) if isinstance(dist, list) else dict(dist)


def merge_into(into: Distribution, more: Distribution | None) -> None:
    """Add `more` into `into` (both sketches, or both value lists)."""
    if not more:
        return
    if isinstance(into, list):
        into.extend(more)  # type: ignore[arg-type]
        return
    for k, v in more.items():  # type: ignore[union-attr]
        into[k] = into.get(k, 0) + v


def merge(dists: Iterable[Distribution | None]) -> Distribution:
    """The sum of distributions; treat the result as read-only (a single one comes back as
    is, with no copy)."""
    dists = [d for d in dists if d]
    if not dists:
        return {}
    if len(dists) == 1:
        return dists[0]
    out = copy(dists[0])
    for d in dists[1:]:
        merge_into(out, d)
    return out


def percentile(dist: Distribution, q: float) -> float | None:
    """The q-quantile (0 < q ≤ 1) by nearest rank, the ⌈q·n⌉-th smallest value: exact for a
    value list, within ALPHA for a sketch. None when empty."""
    if isinstance(dist, list):
        return exact_percentile(dist, q)
    total = sum(dist.values())
    if total == 0:
        return None
    rank = max(1, math.ceil(q * total))
    seen = 0
    for k in sorted(dist, key=int):
        seen += dist[k]
        if seen >= rank:
            return key_value(int(k))
    return None  # pragma: no cover - unreachable, ranks never exceed the total


def exact_percentile(values: Iterable[float], q: float) -> float | None:
    """The nearest-rank percentile over raw values."""
    ordered = sorted(values)
    if not ordered:
        return None
    return ordered[max(1, math.ceil(q * len(ordered))) - 1]
