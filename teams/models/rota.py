"""Rota: weekly shift templates, dated exceptions and time off, in the agent's time zone.

A shift whose end is not after its start crosses midnight and ends on the next local day.
teams/shifts.py turns these rows into UTC intervals; nothing here computes time.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from .people import Agent


class Weekday(models.IntegerChoices):
    MON = 0, "Monday"
    TUE = 1, "Tuesday"
    WED = 2, "Wednesday"
    THU = 3, "Thursday"
    FRI = 4, "Friday"
    SAT = 5, "Saturday"
    SUN = 6, "Sunday"


class ShiftTemplate(models.Model):
    """One recurring weekly shift: starts on `weekday` at `start` local time, ends at `end`
    (on the next day when `end` <= `start`)."""

    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="shift_templates")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    start = models.TimeField()
    end = models.TimeField()

    class Meta:
        ordering = ["agent", "weekday", "start"]
        constraints = [
            models.CheckConstraint(condition=~Q(start=F("end")), name="shift_template_not_empty"),
            models.CheckConstraint(condition=Q(weekday__lte=6), name="shift_template_weekday"),
            models.UniqueConstraint(
                fields=["agent", "weekday", "start"], name="shift_template_unique_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agent} {self.get_weekday_display()} {self.start:%H:%M}-{self.end:%H:%M}"

    @property
    def crosses_midnight(self) -> bool:
        return self.end <= self.start


class ShiftException(models.Model):
    """A change to one local date: `changed` hours replace that day's template shifts,
    an `extra` shift is worked on top of them."""

    class Kind(models.TextChoices):
        CHANGED = "changed", "Changed hours"
        EXTRA = "extra", "Extra shift"

    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="shift_exceptions")
    date = models.DateField()
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.CHANGED)
    start = models.TimeField()
    end = models.TimeField()
    note = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["agent", "date", "start"]
        indexes = [models.Index(fields=["agent", "date"])]
        constraints = [
            models.CheckConstraint(condition=~Q(start=F("end")), name="shift_exception_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.agent} {self.date} {self.get_kind_display()} {self.start:%H:%M}-{self.end:%H:%M}"


class TimeOff(models.Model):
    """Days off from `start_date` to `end_date` inclusive (local dates): no shift starting on
    those days is worked, extra shifts included."""

    class Kind(models.TextChoices):
        VACATION = "vacation", "Vacation"
        SICK = "sick", "Sick"
        TRAINING = "training", "Training (off the floor)"
        OTHER = "other", "Other"

    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="time_off")
    start_date = models.DateField()
    end_date = models.DateField()
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.VACATION)
    note = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["agent", "start_date"]
        indexes = [models.Index(fields=["agent", "end_date"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")), name="time_off_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agent} off {self.start_date}–{self.end_date}"
