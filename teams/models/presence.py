"""Presence history: one row per stretch of time an agent spent in one presence state."""

from django.db import models
from django.db.models import Q

from .people import Agent, Presence


class PresenceLog(models.Model):
    """The agent was in `status` from `started_at` until `ended_at` (open while null).
    At most one open row per agent; Agent.presence mirrors it."""

    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="presence_log")
    status = models.CharField(max_length=16, choices=Presence.choices)
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["agent", "started_at"]
        indexes = [models.Index(fields=["agent", "started_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["agent"], condition=Q(ended_at__isnull=True), name="one_open_presence"
            ),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=models.F("started_at")),
                name="presence_log_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agent} {self.status} from {self.started_at:%Y-%m-%d %H:%M}"
