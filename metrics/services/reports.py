"""Scheduled reports: saving a schedule (and its beat entry), running it, re-sending a run."""

from __future__ import annotations

import json
import tempfile
import zoneinfo
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from teams.models import AuditEntry
from teams.services import audit_record

from ..exports import DATASETS, FORMATS, build_dataset, csv_stream, xlsx_file
from ..exports.pgcsv import CopyCsv
from ..filters import DashboardFilter
from ..models import ReportRun, ReportSchedule
from ..permissions import can_export

TASK = "metrics.tasks.report_schedule_run"
FILTER_KEYS = ("team", "vendor", "category", "channel")


def export_filters(*, user, data: dict) -> DashboardFilter:
    """Validated dashboard filters for `user`; raises ValidationError with the reasons."""
    filters = DashboardFilter(data, request=SimpleNamespace(user=user))
    if not filters.is_valid():
        raise ValidationError(
            "; ".join(f"{k}: {' '.join(v)}" for k, v in filters.form.errors.items())
        )
    return filters


def viewer_zone(user):
    """The user's time zone (their agent profile), UTC otherwise."""
    name = getattr(getattr(user, "agent", None), "time_zone", None) or "UTC"
    return zoneinfo.ZoneInfo(name)


def _crontab(schedule: ReportSchedule) -> CrontabSchedule:
    spec = {"minute": "0", "hour": str(schedule.hour_utc), "day_of_week": "*", "day_of_month": "*"}
    if schedule.frequency == ReportSchedule.Frequency.WEEKLY:
        spec["day_of_week"] = "1"
    elif schedule.frequency == ReportSchedule.Frequency.MONTHLY:
        spec["day_of_month"] = "1"
    crontab, _ = CrontabSchedule.objects.get_or_create(month_of_year="*", timezone="UTC", **spec)
    return crontab


@transaction.atomic
def report_schedule_save(*, schedule: ReportSchedule, by) -> ReportSchedule:
    """Validate and save a schedule and keep its django-celery-beat entry in step."""
    if not can_export(by) or (schedule.pk and schedule.owner_id != by.pk and not by.is_superuser):
        raise PermissionDenied("Scheduled reports need the export permission.")
    if schedule.dataset not in DATASETS:
        raise ValidationError(f"Unknown report {schedule.dataset!r}.")
    if schedule.hour_utc > 23:
        raise ValidationError("The hour must be 0–23.")
    if not schedule.recipient_list:
        raise ValidationError("Add at least one recipient.")
    for address in schedule.recipient_list:
        validate_email(address)
    schedule.filters = {k: v for k, v in (schedule.filters or {}).items() if k in FILTER_KEYS and v}
    schedule.owner_id = schedule.owner_id or by.pk
    export_filters(user=schedule.owner, data=dict(schedule.filters))  # choices within scope
    schedule.save()
    task = schedule.periodic_task or PeriodicTask(name=f"metrics report #{schedule.pk}", task=TASK)
    task.crontab = _crontab(schedule)
    task.interval = None
    task.kwargs = json.dumps({"schedule_id": schedule.pk})
    task.enabled = schedule.enabled
    task.save()
    if schedule.periodic_task_id != task.pk:
        schedule.periodic_task = task
        schedule.save(update_fields=["periodic_task"])
    return schedule


@transaction.atomic
def report_schedule_delete(*, schedule: ReportSchedule, by) -> None:
    """Remove a schedule, its beat entry and its run log."""
    if schedule.owner_id != by.pk and not by.is_superuser:
        raise PermissionDenied("Only the owner may delete this schedule.")
    if schedule.periodic_task_id:
        PeriodicTask.objects.filter(pk=schedule.periodic_task_id).delete()
    schedule.delete()


def report_period(frequency: str, today: date) -> tuple[date, date]:
    """The whole UTC days a run covers: yesterday, the 7 days to yesterday, or last month."""
    yesterday = today - timedelta(days=1)
    if frequency == ReportSchedule.Frequency.DAILY:
        return yesterday, yesterday
    if frequency == ReportSchedule.Frequency.WEEKLY:
        return today - timedelta(days=7), yesterday
    first_this_month = today.replace(day=1)
    last_month_end = first_this_month - timedelta(days=1)
    return last_month_end.replace(day=1), last_month_end


def _write(schedule: ReportSchedule, start: date, end: date, run: ReportRun) -> None:
    owner = schedule.owner
    data = {**schedule.filters, "start": start.isoformat(), "end": end.isoformat()}
    filters = export_filters(user=owner, data=data)
    dataset = build_dataset(schedule.dataset, user=owner, filters=filters, tz=viewer_zone(owner))
    name = f"{schedule.dataset}-{start.isoformat()}-{end.isoformat()}.{schedule.format}"
    if schedule.format == ReportSchedule.Format.XLSX:
        handle, count = xlsx_file(
            dataset.header, dataset.rows, title=dataset.title, definitions=dataset.definitions
        )
    else:
        handle = tempfile.TemporaryFile()  # noqa: SIM115 - closed below
        if dataset.copy is not None:  # PostgreSQL writes the CSV (exports.pgcsv)
            stream = CopyCsv(dataset.header, dataset.copy)
            for block in stream:
                handle.write(block)
            count = stream.rows
        else:
            count = -1
            for line in csv_stream(dataset.header, dataset.rows):
                handle.write(line.encode("utf-8"))
                count += 1
        handle.seek(0)
    with handle:
        run.file.save(name, File(handle), save=False)
    run.row_count = count


def _send(run: ReportRun, recipients: list[str]) -> None:
    schedule = run.schedule
    message = EmailMessage(
        subject=f"Frontline report: {schedule.name} ({run.period_start} – {run.period_end})",
        body=(
            f"{schedule.name}: {DATASETS[schedule.dataset][0]}, {run.period_start} to "
            f"{run.period_end} (UTC days), {run.row_count} rows. The file is attached."
        ),
        to=recipients,
    )
    name = run.file.name
    if not name:  # both callers send a saved file; FieldFile.open would raise this too
        raise ValueError(f"Report run {run.pk} has no file to send.")
    with run.file.open("rb") as fh:
        message.attach(name.rsplit("/", 1)[-1], fh.read(), FORMATS[schedule.format].split(";")[0])
    message.send()
    run.sent_to = ", ".join(recipients)
    run.sent_count += 1


def report_run(
    *, schedule: ReportSchedule, now: datetime | None = None, force: bool = False
) -> ReportRun:
    """Produce the schedule's file for its last period, log the run and e-mail the file.

    Runs with the owner's scope, so a report never holds rows its owner could not see. A
    failure is logged on the run (status failed, error) rather than lost. A period already
    sent is not sent again unless `force` (so a repeated beat delivery is harmless).
    """
    now = now or timezone.now()
    start, end = report_period(schedule.frequency, now.astimezone(UTC).date())
    done = schedule.runs.filter(period_start=start, period_end=end, status=ReportRun.Status.OK)
    sent = None if force else done.first()
    if sent is not None:
        return sent
    run = ReportRun.objects.create(
        schedule=schedule, started_at=now, period_start=start, period_end=end
    )
    try:
        if not can_export(schedule.owner):
            raise PermissionDenied("The owner no longer has the export permission.")
        _write(schedule, start, end, run)
        _send(run, schedule.recipient_list)
        run.status = ReportRun.Status.OK
    except (PermissionDenied, ValidationError, OSError) as exc:
        run.status, run.error = ReportRun.Status.FAILED, str(exc)
    run.finished_at = timezone.now()
    run.save()
    audit_record(
        actor=schedule.owner,
        action=AuditEntry.Action.REPORT_RUN,
        target=schedule,
        detail={
            "dataset": schedule.dataset,
            "format": schedule.format,
            "filters": schedule.filters,
            "period": [start.isoformat(), end.isoformat()],
            "rows": run.row_count,
            "status": run.status,
            "recipients": schedule.recipient_list if run.status == ReportRun.Status.OK else [],
        },
    )
    return run


def report_run_resend(*, run: ReportRun, by) -> ReportRun:
    """E-mail a logged run's file again to the schedule's current recipients."""
    if not can_export(by):
        raise PermissionDenied("Re-sending reports needs the export permission.")
    if not run.file:
        raise ValidationError("This run has no file to send (it failed).")
    _send(run, run.schedule.recipient_list)
    run.save(update_fields=["sent_to", "sent_count"])
    audit_record(
        actor=by,
        action=AuditEntry.Action.REPORT_RUN,
        target=run.schedule,
        detail={
            "dataset": run.schedule.dataset,
            "resent_run": run.pk,
            "period": [run.period_start.isoformat(), run.period_end.isoformat()],
            "rows": run.row_count,
            "recipients": run.schedule.recipient_list,
        },
    )
    return run
