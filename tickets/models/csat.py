"""Customer satisfaction: one survey response per ticket."""

from django.conf import settings
from django.db import models

from .core import Ticket


class CSATResponse(models.Model):
    """The requester's rating (1-5) of one solved ticket, with an optional comment.

    The row exists from the moment the survey is sent (rating empty until answered) or a rating
    is imported. The rating is credited to `agent`: the last agent who replied publicly before
    the solve. `used_values` lists the ratings whose one-click links were already used for the
    current survey, so a replayed link cannot count twice.
    """

    class Source(models.TextChoices):
        SURVEY = "survey", "Survey"
        IMPORT = "import", "Import"

    ticket = models.OneToOneField(Ticket, on_delete=models.CASCADE, related_name="csat")
    rating = models.PositiveSmallIntegerField(null=True, blank=True)
    comment = models.TextField(blank=True)
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source = models.CharField(max_length=8, choices=Source.choices, default=Source.SURVEY)
    survey_sent_at = models.DateTimeField(null=True, blank=True)
    used_values = models.JSONField(default=list, blank=True)
    rated_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rating__isnull=True) | models.Q(rating__gte=1, rating__lte=5),
                name="csat_rating_1_to_5",
            )
        ]
        indexes = [models.Index(fields=["agent", "rated_at"], name="csat_agent_rated")]

    def __str__(self) -> str:
        return f"CSAT {self.rating or '-'} on {self.ticket_id}"

    @property
    def is_satisfied(self) -> bool:
        return self.rating is not None and self.rating >= 4
