import os

import pytest
from django.db import connection


@pytest.fixture(scope="session", autouse=True)
def _database_is_what_the_environment_says(django_db_setup, django_db_blocker):
    """A CI that sets DATABASE_URL to PostgreSQL must not quietly pass on SQLite."""
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://", "pgsql://")):
        with django_db_blocker.unblock():
            assert connection.vendor == "postgresql", (
                f"DATABASE_URL is PostgreSQL but vendor is {connection.vendor}"
            )


@pytest.fixture(autouse=True)
def _celery_eager(settings):
    """Tasks run in-process unless a test asks for the real worker (tests marked integration)."""
    from support.celery import app

    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager = False


@pytest.fixture(autouse=True)
def _no_csat_surveys(settings):
    """Eager Celery ignores countdowns, so a solve would email its CSAT survey at once and
    every mailbox count in other tests would move; tests/tickets/test_csat.py turns it on."""
    settings.FRONTLINE = {**settings.FRONTLINE, "CSAT_SURVEYS": False}


@pytest.fixture(autouse=True)
def _locmem_email(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """PBKDF2 costs ~0.5 s per password on this machine by design; tests hash many. New
    passwords use MD5 here; PBKDF2 stays listed so hashes made before a test still verify."""
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]


@pytest.fixture(autouse=True)
def _empty_cache():
    """Rate-limit counters and presence live in the cache; with a shared Redis cache (CI) a
    counter left by an earlier test or run must not decide this test's outcome."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _two_factor_not_enforced(settings):
    """Hundreds of tests force_login a lead or manager; they test pages, not the sign-in. The
    second factor is enforced only where a test asks for it with the `two_factor_enforced`
    fixture (tests/teams/test_two_factor*.py, tests/e2e/test_two_factor.py)."""
    settings.FRONTLINE = {**settings.FRONTLINE, "TWO_FACTOR_ENFORCED": False}


@pytest.fixture
def two_factor_enforced(settings):
    """The second factor enforced exactly as in production."""
    settings.FRONTLINE = {**settings.FRONTLINE, "TWO_FACTOR_ENFORCED": True}
