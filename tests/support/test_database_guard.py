"""A CI that asks for PostgreSQL must not pass quietly on SQLite (tests/conftest.py's guard)."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROBE = "tests/support/test_home.py::test_home_asks_anonymous_visitors_to_log_in"


def run_probe(settings_module: str, database_url: str | None, tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(DJANGO_SETTINGS_MODULE=settings_module, FRONTLINE_VAR_DIR=str(tmp_path))
    if database_url:
        env["DATABASE_URL"] = database_url
    return subprocess.run(  # noqa: S603 - fixed argv, our own interpreter
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", PROBE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )


def test_suite_fails_at_start_when_database_url_is_postgres_but_django_uses_sqlite(tmp_path):
    result = run_probe(
        "tests.support.misconfigured_settings", "postgres://postgres@127.0.0.1:1/nowhere", tmp_path
    )

    assert result.returncode != 0
    assert "DATABASE_URL is PostgreSQL but vendor is sqlite" in result.stdout
    assert "1 passed" not in result.stdout
