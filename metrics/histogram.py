"""A mergeable histogram of durations in fixed log-spaced buckets, for p50/p90 across rows.

Bucket 0 holds values under 1 minute; bucket i ≥ 1 holds [2^((i-1)/8), 2^(i/8)) minutes.
Histograms are sparse dicts {bucket: count} (JSON keys are strings) and merge by adding
counts, so any set of daily rows gives the same percentile as one pass over the raw values
up to the bucket width. A percentile is reported as the geometric middle of its bucket:
at most ±4.4% from the exact value (half a bucket ratio of 2^(1/8) ≈ 1.0905, on a log scale).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

PER_DOUBLING = 8
RELATIVE_ERROR = 2 ** (1 / (2 * PER_DOUBLING)) - 1  # ≈ 0.0443


def bucket_of(minutes: float) -> int:
    if minutes < 1:
        return 0
    return int(math.floor(math.log2(minutes) * PER_DOUBLING)) + 1


def bucket_value(bucket: int) -> float:
    """The representative value of a bucket: its geometric middle (0.5 for bucket 0)."""
    if bucket == 0:
        return 0.5
    return 2 ** ((bucket - 0.5) / PER_DOUBLING)


def add(hist: dict, minutes: float, count: int = 1) -> None:
    key = str(bucket_of(minutes))
    hist[key] = hist.get(key, 0) + count


def merge(hists: Iterable[Mapping]) -> dict:
    """The sum of sparse histograms (keys are bucket numbers as strings, as add() and JSON
    write them); treat the result as read-only (a single histogram comes back as is)."""
    hists = [h for h in hists if h]
    if len(hists) == 1:
        return hists[0]  # read only by callers (percentile): no copy needed
    out: dict[str, int] = {}
    for h in hists:
        for k, v in h.items():
            out[k] = out.get(k, 0) + v
    return out


def percentile(hist: Mapping, q: float) -> float | None:
    """The q-quantile (0 < q ≤ 1) by nearest rank: the bucket holding the ⌈q·n⌉-th value."""
    total = sum(hist.values())
    if total == 0:
        return None
    rank = max(1, math.ceil(q * total))
    seen = 0
    for k in sorted(hist, key=int):
        seen += hist[k]
        if seen >= rank:
            return bucket_value(int(k))
    return None  # pragma: no cover - unreachable, ranks never exceed the total


def exact_percentile(values: Iterable[float], q: float) -> float | None:
    """The same nearest-rank percentile over raw values (for tests and small sets)."""
    ordered = sorted(values)
    if not ordered:
        return None
    return ordered[max(1, math.ceil(q * len(ordered))) - 1]
