"""Scheduled reports: what to send to whom, how often (a django-celery-beat task), and a log
of each run with its row count and file so it can be sent again."""

from django.conf import settings
from django.db import models
from django_celery_beat.models import PeriodicTask


class ReportSchedule(models.Model):
    """A recurring export e-mailed as an attachment; it runs with its owner's access scope."""

    class Frequency(models.TextChoices):
        DAILY = "daily", "Daily (previous day)"
        WEEKLY = "weekly", "Weekly on Monday (previous 7 days)"
        MONTHLY = "monthly", "Monthly on the 1st (previous month)"

    class Format(models.TextChoices):
        XLSX = "xlsx", "Excel (XLSX)"
        CSV = "csv", "CSV"

    name = models.CharField(max_length=120)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="report_schedules"
    )
    dataset = models.CharField(max_length=16)
    format = models.CharField(max_length=8, choices=Format.choices, default=Format.XLSX)
    frequency = models.CharField(max_length=8, choices=Frequency.choices, default=Frequency.WEEKLY)
    hour_utc = models.PositiveSmallIntegerField(default=6, help_text="Hour of the day (UTC)")
    recipients = models.TextField(help_text="E-mail addresses, one per line or comma-separated")
    filters = models.JSONField(
        default=dict, blank=True, help_text="team, vendor, category, channel"
    )
    enabled = models.BooleanField(default=True)
    periodic_task = models.OneToOneField(
        PeriodicTask, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name

    @property
    def recipient_list(self) -> list[str]:
        return [r.strip() for r in self.recipients.replace(",", "\n").splitlines() if r.strip()]


class ReportRun(models.Model):
    """One run of a schedule: the period covered, rows, the file kept for re-sending."""

    class Status(models.TextChoices):
        OK = "ok", "Sent"
        FAILED = "failed", "Failed"

    schedule = models.ForeignKey(ReportSchedule, on_delete=models.CASCADE, related_name="runs")
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    period_start = models.DateField()
    period_end = models.DateField()
    row_count = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OK)
    error = models.TextField(blank=True)
    file = models.FileField(upload_to="reports/%Y/%m/", blank=True)
    sent_to = models.TextField(blank=True)
    sent_count = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-started_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.schedule} {self.period_start}–{self.period_end}"
