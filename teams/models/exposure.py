"""Exposure (wellness): which sensitive or restricted tickets each agent handled, and when an
agent stepped out of sensitive work for the rest of a shift."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from .people import Sensitivity


class ExposureEntry(models.Model):
    """`user` handled ticket `ticket_id` (tickets.Ticket; an integer because teams/ cannot
    depend on tickets/) of `sensitivity` at `at`. Written only by services.exposure_record."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="exposure_entries"
    )
    ticket_id = models.PositiveBigIntegerField()
    sensitivity = models.CharField(
        max_length=16,
        choices=[c for c in Sensitivity.choices if c[0] != Sensitivity.NONE],
    )
    at = models.DateTimeField()

    class Meta:
        ordering = ["-at"]
        verbose_name_plural = "exposure entries"
        indexes = [
            models.Index(fields=["user", "at"]),
            models.Index(fields=["user", "ticket_id"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(sensitivity__in=[Sensitivity.SENSITIVE, Sensitivity.RESTRICTED]),
                name="exposure_entry_is_sensitive",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} #{self.ticket_id} {self.sensitivity} {self.at:%Y-%m-%d %H:%M}"


class ExposureOptOut(models.Model):
    """The agent stepped out of sensitive work at `at` until `until` (the end of the shift
    they were on, else the end of their local day). No reason is asked; leads see it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="exposure_opt_outs"
    )
    day = models.DateField(help_text="The agent's local date when they stepped out")
    at = models.DateTimeField()
    until = models.DateTimeField()

    class Meta:
        ordering = ["-at"]
        indexes = [models.Index(fields=["user", "until"]), models.Index(fields=["day"])]

    def __str__(self) -> str:
        return f"{self.user} stepped out {self.at:%Y-%m-%d %H:%M}"
