"""The dashboards' percentile merging, before and after the 1 % sketches (issue 18).

    .venv/bin/python bench/sketches.py

Times the lead dashboard's summing path in Python (rows.py's cells, summary.combined_by by
week, summarize, group by agent) over 8 weeks × 40 agents of rollup rows decoded from JSON
as the database hands them over, with the old {bucket: count} histograms (2^(1/8) buckets,
±4.4 %) and with the dense sketches (metrics.sketch, 1 %), the best of 15 runs each,
interleaved so the machine's other load weighs on both alike. Writes
bench/results/sketches.json.
"""

from __future__ import annotations

import json
import math
import os
import random
import sys
import time
from pathlib import Path
from types import SimpleNamespace

sys.path[0] = str(Path(__file__).resolve().parent.parent)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "support.settings")
os.environ.setdefault("DEBUG", "1")

import django  # noqa: E402

django.setup()

import metrics.selectors.dashboards.rows as rows_module  # noqa: E402
import metrics.selectors.summary as summary_module  # noqa: E402
from metrics import sketch  # noqa: E402
from metrics.selectors.summary import COUNTS, combined_by, group, summarize  # noqa: E402


def _old_of(values):
    out: dict[str, int] = {}
    for v in values:
        k = str(0 if v < 1 else math.floor(math.log2(v) * 8) + 1)
        out[k] = out.get(k, 0) + 1
    return out


def _old_merge_into(into, more):
    for k, v in (more or {}).items():
        into[k] = into.get(k, 0) + v


def _old_merge(dists):
    dists = [d for d in dists if d]
    if len(dists) == 1:
        return dists[0]
    out: dict[str, int] = {}
    for d in dists:
        _old_merge_into(out, d)
    return out


def _old_percentile(hist, q):
    total = sum(hist.values())
    if not total:
        return None
    rank, seen = max(1, math.ceil(q * total)), 0
    for k in sorted(hist, key=int):
        seen += hist[k]
        if seen >= rank:
            return 2 ** ((int(k) - 0.5) / 8)
    return None


OLD = SimpleNamespace(
    merge=_old_merge, percentile=_old_percentile, copy=dict, merge_into=_old_merge_into,
    Values=tuple, load=lambda x: x or {}, Sketch=dict,
)  # fmt: skip


def _rows(rng, per_row, make):
    out = []
    for week in range(8):
        for agent in range(40):
            frt = [rng.lognormvariate(4.2, 1) for _ in range(per_row)]
            row = dict.fromkeys(COUNTS, 1)
            row.update(
                day=week, agent_id=agent, team_id=agent % 3,
                frt_sketch=make(frt), resolution_sketch=make([x * 3 for x in frt]),
            )  # fmt: skip
            out.append(json.dumps(row))
    return out


def _run(rows, impl) -> float:
    summary_module.sketch = rows_module.sketch = impl
    try:
        start = time.perf_counter()
        cells: dict = {}
        for r in map(json.loads, rows):
            rows_module._add_into(cells, (r["day"], r["agent_id"], r["team_id"]), r, sketches=True)
        weeks = list(combined_by(cells.values(), lambda r: r["day"]).values())
        summarize(weeks)
        group(cells.values(), lambda r: r["agent_id"])
        return time.perf_counter() - start
    finally:
        summary_module.sketch = rows_module.sketch = sketch


def main() -> None:
    rng, results = random.Random(1), []
    for per_row in (10, 30, 100, 300):
        old = _rows(rng, per_row, _old_of)
        new = _rows(rng, per_row, lambda v: sketch.dump(sketch.of(v)))
        t_old = t_new = math.inf
        for _ in range(15):
            t_old, t_new = min(t_old, _run(old, OLD)), min(t_new, _run(new, sketch))
        results.append(
            {
                "durations_per_agent_week": per_row,
                "rows": len(new),
                "histograms_ms": round(t_old * 1000, 1),
                "sketches_ms": round(t_new * 1000, 1),
                "json_bytes_per_row_histograms": sum(map(len, old)) // len(old),
                "json_bytes_per_row_sketches": sum(map(len, new)) // len(new),
            }
        )
        print(results[-1])  # noqa: T201
    out = Path(__file__).parent / "results" / "sketches.json"
    out.write_text(
        json.dumps(
            {"_about": __doc__.strip(), "load_average": os.getloadavg(), "results": results},
            indent=2,
        )
        + "\n"
    )


if __name__ == "__main__":
    main()
