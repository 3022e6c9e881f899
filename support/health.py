"""Liveness of the services Frontline needs: the database, the Celery broker and the cache."""

from django.conf import settings
from django.db import connection
from kombu import Connection

from core.cache import cache_reachable


def database_ok() -> tuple[bool, str]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any driver error means "down"
        return False, f"{type(exc).__name__}: {exc}"
    return True, connection.vendor


def broker_ok(timeout: float = 2.0) -> tuple[bool, str]:
    url = settings.CELERY_BROKER_URL
    try:
        with Connection(
            url, connect_timeout=timeout, transport_options=settings.CELERY_BROKER_TRANSPORT_OPTIONS
        ) as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, timeout=timeout)
            transport = conn.transport_cls
    except Exception as exc:  # any transport error means "down"
        return False, f"{type(exc).__name__}: {exc}"
    return True, str(transport)


def cache_ok() -> tuple[bool, str]:
    """The shared cache (Redis in production). Its errors are ignored (settings), so the
    probe is whether it answers at all."""
    backend = settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]
    if cache_reachable():
        return True, backend
    return False, f"{backend}: no answer (caches bypassed, public rate limits refuse with 503)"
