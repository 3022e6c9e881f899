"""Celery entry points for metrics; each only calls a service and is safe to run twice."""

from celery import shared_task

from . import services


@shared_task(acks_late=True)
def rollups_refresh() -> dict:
    """Recompute the days touched by tickets changed since the last run."""
    return services.rollup_refresh()
