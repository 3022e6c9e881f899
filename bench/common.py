"""Shared by bench/generate.py and bench/load.py: where the bench database is, Django setup."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/frontline_bench"
RESULTS = ROOT / "bench" / "results"


def bench_url() -> str:
    """The bench database URL (BENCH_DATABASE_URL); refuses any database not named *bench*
    and any host but the loopback, so a stray variable can never point it at real data."""
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    if parsed.scheme not in ("postgres", "postgresql") or "bench" not in name:
        raise SystemExit(f"bench: BENCH_DATABASE_URL must be a PostgreSQL *bench* database: {url}")
    if parsed.hostname not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit("bench: the bench database must be on the loopback address")
    return url


def db_name(url: str) -> str:
    return urlparse(url).path.lstrip("/")


def pg_dsn(url: str, dbname: str | None = None) -> str:
    """A libpq DSN for psycopg2 from the URL (optionally another database on the server)."""
    p = urlparse(url)
    parts = [f"host={p.hostname or '127.0.0.1'}", f"port={p.port or 5432}"]
    parts.append(f"user={p.username or 'postgres'}")
    if p.password:
        parts.append(f"password={p.password}")
    parts.append(f"dbname={dbname or p.path.lstrip('/')}")
    return " ".join(parts)


def setup_django(url: str, *, debug: bool = True) -> None:
    """Point Django at the bench database before settings load."""
    sys.path.insert(0, str(ROOT))
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "support.settings")
    os.environ["DEBUG"] = "1" if debug else "0"
    import django

    django.setup()


def machine() -> dict:
    pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    return {"cores": os.cpu_count(), "memory_gb": round(pages / 2**30, 1)}
