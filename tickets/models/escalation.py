"""Escalations: automatic (SLA sweep) and manual, with acknowledgement and resolution."""

from django.conf import settings
from django.db import models

from teams.models import Team

from .core import Ticket
from .sla import TicketSLA


class Escalation(models.Model):
    """A ticket raised to a level: who, when, why, to which team, acknowledged, resolved."""

    class Source(models.TextChoices):
        SLA = "sla", "SLA breach"
        MANUAL = "manual", "Manual"

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="escalations")
    sla = models.ForeignKey(
        TicketSLA, null=True, blank=True, on_delete=models.SET_NULL, related_name="escalations"
    )
    source = models.CharField(max_length=8, choices=Source.choices)
    level = models.PositiveSmallIntegerField(default=1)
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.TextField(blank=True)
    brief = models.JSONField(default=dict, blank=True, help_text="tried, risk, needed")
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(db_index=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["sla", "level"],
                condition=models.Q(sla__isnull=False),
                name="escalation_once_per_sla_level",
            )
        ]

    def __str__(self) -> str:
        return f"L{self.level} on {self.ticket_id}"
