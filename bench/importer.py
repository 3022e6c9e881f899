"""Time `manage.py import_tickets` on BENCH_IMPORT_ROWS (default 100,000) rows on PostgreSQL.

    .venv/bin/python bench/importer.py

Builds a CSV in the shared data set's format by resampling ../shared/data/
customer_support_tickets.csv (deterministic; every row gets a new Ticket ID and a new
customer email), creates a fresh database (BENCH_IMPORT_DATABASE_URL, default
frontline_bench_import on the loopback server), migrates it, adds the team and categories the
shipped mapping names, runs the command with tickets/import_mappings/kaggle_customer_support.json
and merges {"import_100k": {...}} into bench/results/latest.json (BENCH_OUT names another
file there). The result holds the command's CPU seconds and the load average beside its wall
time: on a shared machine the wall time says more about the neighbours than about the code.
"""

from __future__ import annotations

import csv
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg2  # noqa: E402

from bench.common import RESULTS, ROOT, db_name, pg_dsn  # noqa: E402

ROWS = int(os.environ.get("BENCH_IMPORT_ROWS", "100000"))
SOURCE = Path(
    os.environ.get(
        "BENCH_IMPORT_SOURCE", ROOT.parent / "shared" / "data" / "customer_support_tickets.csv"
    )
)
MAPPING = ROOT / "tickets" / "import_mappings" / "kaggle_customer_support.json"
OUT = os.environ.get("BENCH_OUT", "latest.json")
PY = sys.executable


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] import: {msg}", flush=True)


def import_url() -> str:
    os.environ.setdefault(
        "BENCH_DATABASE_URL",
        os.environ.get(
            "BENCH_IMPORT_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/frontline_bench_import"
        ),
    )
    from bench.common import bench_url

    return bench_url()


def build_csv(path: Path) -> None:
    with SOURCE.open(newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        header = next(reader)
        rows = list(reader)
    rng = random.Random(7)
    id_col, email_col = header.index("Ticket ID"), header.index("Customer Email")
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(header)
        for i in range(ROWS):
            row = list(rng.choice(rows))
            row[id_col] = str(1_000_000 + i)
            local, _, domain = row[email_col].partition("@")
            row[email_col] = f"{local}.{i}@{domain or 'example.com'}"
            writer.writerow(row)


def main() -> int:
    if not SOURCE.exists():
        print(f"import: {SOURCE} not found; skipped")
        return 0
    url = import_url()
    name = db_name(url)
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DEBUG": "1",
        "DJANGO_SETTINGS_MODULE": "support.settings",
    }
    with tempfile.TemporaryDirectory(prefix="frontline-import-") as tmp:
        path = Path(tmp) / "tickets.csv"
        build_csv(path)
        log(f"{ROWS:,} rows resampled into {path.stat().st_size / 2**20:.0f} MB of CSV")
        conn = psycopg2.connect(pg_dsn(url, "postgres"))
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            cur.execute(f'CREATE DATABASE "{name}"')
        conn.close()
        subprocess.run(
            [PY, "manage.py", "migrate", "--noinput", "-v0"], env=env, cwd=ROOT, check=True
        )
        setup = (
            "from tickets.demo import seed_categories; from teams.models import Team, Vendor;"
            "seed_categories();"
            "v = Vendor.objects.create(name='In-house', slug='in-house', country='US');"
            "Team.objects.create(name='Account Care', slug='account-care', vendor=v)"
        )
        subprocess.run([PY, "manage.py", "shell", "-c", setup], env=env, cwd=ROOT, check=True)
        log(f"importing into {name}")
        load = os.getloadavg()[0]
        cpu0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        proc = subprocess.run(
            [PY, "manage.py", "import_tickets", str(path), "--mapping", str(MAPPING)],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=1800,
            check=False,
        )
        took = time.perf_counter() - t0
        cpu1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = cpu1.ru_utime + cpu1.ru_stime - cpu0.ru_utime - cpu0.ru_stime
    if proc.returncode != 0:
        print(proc.stdout[-2000:], proc.stderr[-3000:])
        raise SystemExit("import: the command failed")
    conn = psycopg2.connect(pg_dsn(url))
    with conn.cursor() as cur:
        counts = {}
        for table in ("tickets_ticket", "tickets_message", "tickets_ticketevent"):
            cur.execute(f"SELECT COUNT(*) FROM {table}")  # noqa: S608 - fixed table names
            counts[table.split("_", 1)[1]] = cur.fetchone()[0]
    conn.close()
    result = {
        "seconds": round(took, 1),
        "command_cpu_s": round(cpu, 1),
        "load_avg_1m_at_start": round(load, 1),
        "rows": ROWS,
        **counts,
        "target_seconds": 60,
    }
    log(f"{proc.stdout.strip().splitlines()[-1]}")
    log(f"{ROWS:,} rows in {took:.1f}s, command CPU {cpu:.1f}s (target < 60 s): {counts}")
    out = RESULTS / OUT
    data = json.loads(out.read_text()) if out.exists() else {}
    data["import_100k"] = result
    RESULTS.mkdir(parents=True, exist_ok=True)
    tmp_out = out.with_suffix(".json.tmp")
    tmp_out.write_text(json.dumps(data, indent=2) + "\n")
    tmp_out.replace(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
