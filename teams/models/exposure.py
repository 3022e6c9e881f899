"""Exposure (wellness): which sensitive or restricted tickets each agent handled (and for how
long), which sensitive media they revealed, when an agent stepped out of sensitive work for
the rest of a shift, and which kinds of sensitive work each agent consented to."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from .people import Sensitivity


class ExposureKind(models.TextChoices):
    """The kinds of sensitive work an associate opts in to one by one (tickets' categories
    name theirs). A sensitive or restricted category with no kind counts as OTHER."""

    SELF_HARM = "self_harm", "Self-harm and suicide"
    CHILD_SAFETY = "child_safety", "Child safety"
    VIOLENT_EXTREMISM = "violent_extremism", "Violent extremism"
    GRAPHIC_VIOLENCE = "graphic_violence", "Graphic violence"
    HATE_ABUSE = "hate_abuse", "Hate and abuse"
    OTHER = "other", "Other distressing content"

    @classmethod
    def of(cls, kind: str | None) -> str:
        """The kind a category's (possibly empty) kind counts as."""
        return kind or cls.OTHER


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
    # Work time on the ticket (the workspace in front of the agent), added by tickets' work
    # heartbeats as they extend its handle time; the last of them ends the handling, and the
    # team's cool-down counts from there.
    seconds = models.FloatField(default=0, db_default=0)  # raw inserts (bench COPY) too
    last_seen_at = models.DateTimeField(null=True, blank=True)

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


class ExposureConsent(models.Model):
    """The agent opted in to sensitive work of `kind` at `at`. No row: not opted in. Opting
    out deletes the row (services.exposure_consent_set, audited), effective at once."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="exposure_consents"
    )
    kind = models.CharField(max_length=32, choices=ExposureKind.choices)
    at = models.DateTimeField()

    class Meta:
        ordering = ["kind"]
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="exposure_consent_once")
        ]

    def __str__(self) -> str:
        return f"{self.user} consents to {self.kind}"
