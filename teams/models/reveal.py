"""Reveals (wellness): each time a person chose to see the original of a sensitive file."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from .people import Sensitivity


class ExposureReveal(models.Model):
    """`user` revealed the original of attachment `attachment_id` on ticket `ticket_id`
    (tickets.Attachment and tickets.Ticket: integers because teams/ cannot depend on
    tickets/) of `sensitivity` at `at`. One row per person and attachment: the reveal lasts
    for that person, and counting rows by (user, at) counts reveals. Written only by
    services.exposure_reveal_record."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="exposure_reveals"
    )
    ticket_id = models.PositiveBigIntegerField()
    attachment_id = models.PositiveBigIntegerField()
    sensitivity = models.CharField(
        max_length=16,
        choices=[c for c in Sensitivity.choices if c[0] != Sensitivity.NONE],
    )
    at = models.DateTimeField()

    class Meta:
        ordering = ["-at"]
        indexes = [models.Index(fields=["user", "at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "attachment_id"], name="exposure_reveal_once_per_user"
            ),
            models.CheckConstraint(
                condition=Q(sensitivity__in=[Sensitivity.SENSITIVE, Sensitivity.RESTRICTED]),
                name="exposure_reveal_is_sensitive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} revealed attachment {self.attachment_id} {self.at:%Y-%m-%d %H:%M}"
