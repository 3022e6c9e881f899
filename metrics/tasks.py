"""Celery entry points for metrics; each only calls a service and is safe to run twice."""

from datetime import date, timedelta

from celery import shared_task
from django.utils import timezone

from . import services
from .models import ReportSchedule


@shared_task(acks_late=True, soft_time_limit=540, time_limit=600)
def rollups_refresh() -> dict:
    """Recompute the days touched by tickets changed since the last run, then the next week
    of a pending backfill (after an upgrade or a first run over a large history)."""
    return {**services.rollup_refresh(), "backfill": services.rollup_backfill_step()}


@shared_task(acks_late=True, soft_time_limit=540, time_limit=600)
def rollups_rebuild_days(days: list[str]) -> int:
    """Rebuild the rollups of these UTC days (ISO dates), e.g. after QA reviews changed."""
    return services.rollup_rebuild_days(days=[date.fromisoformat(d) for d in days])


@shared_task(acks_late=True, soft_time_limit=240, time_limit=300)
def qa_sample_last_week(size: int = 5) -> int:
    """Weekly: queue `size` random solved tickets per associate from last week, plus every
    escalated ticket. The size is this task's kwargs in its django-celery-beat entry."""
    return services.qa_sample_week(week=timezone.now().date() - timedelta(days=7), size=size)


@shared_task(acks_late=True, soft_time_limit=540, time_limit=600)
def report_schedule_run(schedule_id: int) -> int | None:
    """Run one scheduled report (beat passes its id); a deleted schedule is skipped."""
    schedule = ReportSchedule.objects.filter(pk=schedule_id, enabled=True).first()
    if schedule is None:
        return None
    return services.report_run(schedule=schedule).pk


@shared_task(acks_late=True, soft_time_limit=540, time_limit=600)
def productive_time_refresh_recent() -> int:
    """Hourly: productive time of yesterday and today so far, for every agent."""
    today = timezone.now().date()
    return services.productive_time_refresh(days=[today - timedelta(days=1), today])


@shared_task(acks_late=True, soft_time_limit=50, time_limit=60)
def trend_alerts_notify() -> int:
    """Every 15 minutes: email new volume spikes to the teams' leads and managers (when
    FRONTLINE["TREND_ALERT_EMAILS"] is on)."""
    return services.trend_alerts_email()


@shared_task(acks_late=True, soft_time_limit=540, time_limit=600)
def rollups_check_yesterday() -> int:
    """Nightly: compare yesterday's rollups with the raw tickets; alert admins if they differ.
    Returns how many figures differ."""
    return len(services.rollup_check_yesterday())
