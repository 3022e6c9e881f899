"""Measure Frontline on the bench database: gunicorn on 127.0.0.1, real logins, bounded loads.

    .venv/bin/python bench/load.py

Needs a data set from bench/generate.py. Serves the app with gunicorn (DEBUG off, plain HTTP
on a free loopback port, static files collected into a temporary directory), logs in the
generated users through the login form, and for each scenario sends requests for at most
BENCH_SECONDS seconds (default 15) and at most BENCH_REQUESTS requests (default 1500) at
concurrency 1 and 8. Claim-next runs over HTTP at concurrency 8 and as a service call at
16 threads; the claims are undone afterwards so the data set stays as generated. Query counts
come from a Django test-client pass over the same pages. Prints a table and writes
bench/results/latest.json.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import ROOT  # noqa: E402
from bench.loadtest.child import child_main  # noqa: E402
from bench.loadtest.run import main  # noqa: E402

if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        sys.path.insert(0, str(ROOT))
        child_main(sys.argv[2], sys.argv[3])
        sys.exit(0)
    sys.exit(main())
