"""Pure arithmetic over rollup rows (dicts): totals, rates and merged percentiles (each row's
frt_sketch / resolution_sketch is a sketch, or the exact values: metrics.sketch)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable
from datetime import date, timedelta
from math import sqrt
from statistics import median
from typing import TypeVar

from .. import sketch

ROLLUP_FIELDS = (
    "day",
    "agent_id",
    "team_id",
    "category_id",
    "channel",
    "created",
    "solved",
    "reopened",
    "one_touch",
    "frt_sum",
    "frt_count",
    "frt_sketch",
    "resolution_sum",
    "resolution_count",
    "resolution_sketch",
    "sla_achieved",
    "sla_breached",
    "sla_first_reply_met",
    "sla_first_reply_breached",
    "sla_next_reply_met",
    "sla_next_reply_breached",
    "sla_resolution_met",
    "sla_resolution_breached",
    "handle_seconds",
    "handle_count",
    "qa_sum",
    "qa_count",
    "csat_1",
    "csat_2",
    "csat_3",
    "csat_4",
    "csat_5",
)
COUNTS = (
    "created",
    "solved",
    "reopened",
    "one_touch",
    "frt_sum",
    "frt_count",
    "resolution_sum",
    "resolution_count",
    "sla_achieved",
    "sla_breached",
    "sla_first_reply_met",
    "sla_first_reply_breached",
    "sla_next_reply_met",
    "sla_next_reply_breached",
    "sla_resolution_met",
    "sla_resolution_breached",
    "handle_seconds",
    "handle_count",
    "qa_sum",
    "qa_count",
    "csat_1",
    "csat_2",
    "csat_3",
    "csat_4",
    "csat_5",
)
CSAT_SCORES = (1, 2, 3, 4, 5)
SLA_KINDS = ("first_reply", "next_reply", "resolution")
Z95 = 1.959963984540054

K = TypeVar("K", bound=Hashable)  # what combined_by and group key rows by


def wilson_interval(successes: int, n: int, z: float = Z95) -> tuple[float, float] | None:
    """The Wilson score interval for a proportion (95% by default); None when n is 0."""
    if n <= 0:
        return None
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def _ratio(num: float, den: float) -> float | None:
    return num / den if den else None


def summarize(rows: Iterable[dict]) -> dict:
    """Totals and derived figures for any set of rollup rows."""
    counts = dict.fromkeys(COUNTS, 0)
    frt, res = [], []
    for r in rows:
        for k in COUNTS:
            counts[k] += r[k]
        frt.append(r["frt_sketch"])
        res.append(r["resolution_sketch"])
    frt_dist, res_dist = sketch.merge(frt), sketch.merge(res)
    total: dict[str, object] = {
        **counts,
        "frt_p50": sketch.percentile(frt_dist, 0.5),
        "frt_p90": sketch.percentile(frt_dist, 0.9),
        "frt_mean": _ratio(counts["frt_sum"], counts["frt_count"]),
        "resolution_p50": sketch.percentile(res_dist, 0.5),
        "resolution_p90": sketch.percentile(res_dist, 0.9),
        # Read from the tickets' own values (True) or from the rollups' sketches (within 1 %).
        "percentiles_exact": isinstance(frt_dist, sketch.Values)
        or isinstance(res_dist, sketch.Values),
        "reopen_rate": _ratio(counts["reopened"], counts["solved"]),
        "one_touch_rate": _ratio(counts["one_touch"], counts["solved"]),
        "sla_rate": _ratio(counts["sla_achieved"], counts["sla_achieved"] + counts["sla_breached"]),
        "qa_mean": _ratio(counts["qa_sum"], counts["qa_count"]),
        "handle_hours": counts["handle_seconds"] / 3600,
        "handle_minutes_per_ticket": _ratio(counts["handle_seconds"] / 60, counts["handle_count"]),
    }
    for kind in SLA_KINDS:
        met, breached = counts[f"sla_{kind}_met"], counts[f"sla_{kind}_breached"]
        total[f"sla_{kind}_rate"] = _ratio(met, met + breached)
    rated = sum(counts[f"csat_{n}"] for n in CSAT_SCORES)
    satisfied = counts["csat_4"] + counts["csat_5"]
    total.update(
        csat_rated=rated,
        csat_satisfied=satisfied,
        csat_pct=_ratio(satisfied, rated),
        csat_mean=_ratio(sum(n * counts[f"csat_{n}"] for n in CSAT_SCORES), rated),
        csat_interval=wilson_interval(satisfied, rated),
    )
    return total


def combined_by(rows: Iterable[dict], key: Callable[[dict], K]) -> dict[K, dict]:
    """Rows summed per key into one row each (counts added, sketches merged, the rows left
    as they were): a summary over a few combined rows merges far fewer sketches than one
    over all of them."""
    out: dict[K, dict] = {}
    for r in rows:
        k = key(r)
        cell = out.get(k)
        if cell is None:
            out[k] = {
                **r,
                "frt_sketch": sketch.copy(r["frt_sketch"]),
                "resolution_sketch": sketch.copy(r["resolution_sketch"]),
            }
            continue
        for f in COUNTS:
            cell[f] += r[f]
        sketch.merge_into(cell["frt_sketch"], r["frt_sketch"])
        sketch.merge_into(cell["resolution_sketch"], r["resolution_sketch"])
    return out


def group(rows: Iterable[dict], key: Callable[[dict], K]) -> dict[K, dict]:
    """Summaries per key (e.g. agent, team, week)."""
    buckets: dict[K, list[dict]] = defaultdict(list)
    for r in rows:
        buckets[key(r)].append(r)
    return {k: summarize(v) for k, v in buckets.items()}


def week_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def weeks_between(start: date, end: date) -> list[date]:
    first, out = week_of(start), []
    while first <= end:
        out.append(first)
        first += timedelta(days=7)
    return out


MEDIAN_FIELDS = (
    "solved",
    "frt_p50",
    "reopen_rate",
    "one_touch_rate",
    "sla_rate",
    "qa_mean",
    "csat_pct",
    "handle_minutes_per_ticket",
)


def medians(summaries: Iterable[dict]) -> dict:
    """The median of each figure across people (those with no value are left out)."""
    out = {}
    summaries = list(summaries)
    for f in MEDIAN_FIELDS:
        values = [s[f] for s in summaries if s.get(f) is not None]
        out[f] = median(values) if values else None
    return out
