"""Settings for test_database_guard only: DATABASE_URL says PostgreSQL, Django gets SQLite.

This is the misconfiguration the guard in tests/conftest.py exists to catch.
"""

from support.settings import *  # noqa: F403

DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
