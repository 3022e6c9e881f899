"""Deterministic bench data straight into PostgreSQL with COPY.

    BENCH_TICKETS=1000000 .venv/bin/python bench/generate.py

Creates the bench database afresh (BENCH_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/frontline_bench), migrates it, creates 6 vendors, 20 teams
and 300 agents through the ORM, then streams requesters, tickets (one year of history),
messages (~4 per ticket), events, tags, CSAT ratings, running SLA targets, QA reviews, exposure
entries, shifts and a year of presence through COPY in chunks (never the whole data set in
memory) while the secondary indexes and foreign keys are dropped. Each ticket's TicketMetric
row is built in the same pass from the data in memory, by the metrics app's own compute_facts
and ticket_metric_values (reading 4M messages and events back was most of the run), and a
sample is checked against ticket_metrics_recompute over the loaded rows. Then it rebuilds the
indexes, VACUUM ANALYZEs, and builds the daily rollups and productive time with the metrics
app's own services. Skipped when the database already holds a finished data set of the
requested size (BENCH_REGENERATE=1 forces it), except that it is migrated to the code's schema
(a new index, say). BENCH_STEP=rollups rebuilds TicketMetric rows
and rollups of a loaded data set through the app (after the metrics code changed).

Same BENCH_SEED and the same UTC day (or BENCH_NOW, ISO) give the same data.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.generation.run import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
