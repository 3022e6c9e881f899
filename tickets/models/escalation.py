"""Escalations: automatic (SLA sweep) and manual, with acknowledgement and resolution."""

from django.conf import settings
from django.db import models

from teams.models import Team

from .core import Ticket
from .sla import TicketSLA


class Escalation(models.Model):
    """A ticket raised to a level: who, when, why, to which team, acknowledged, resolved.

    Metrics read these rows (raised per team and level, time to acknowledge, time to resolve):
    `created_at`, `acknowledged_at` and `resolved_at` are indexed with the team. A manual or
    further escalation carries `ack_due_at`, the time by which the receiving lead must
    acknowledge it; the sweep escalates an unacknowledged one further once (`ack_missed_at`
    guards it) and links the new row to it through `parent`.
    """

    class Source(models.TextChoices):
        SLA = "sla", "SLA breach"
        MANUAL = "manual", "Manual"
        ACK_MISSED = "ack", "Not acknowledged in time"

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
    resolution_note = models.TextField(blank=True)
    ack_due_at = models.DateTimeField(null=True, blank=True)
    ack_missed_at = models.DateTimeField(null=True, blank=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="further"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["sla", "level"],
                condition=models.Q(sla__isnull=False),
                name="escalation_once_per_sla_level",
            ),
            models.UniqueConstraint(
                fields=["parent"],
                condition=models.Q(parent__isnull=False),
                name="escalation_once_per_parent",
            ),
        ]
        indexes = [
            models.Index(fields=["team", "created_at"], name="escalation_team_created"),
            models.Index(fields=["team", "acknowledged_at"], name="escalation_team_acked"),
            models.Index(fields=["team", "resolved_at"], name="escalation_team_resolved"),
            models.Index(fields=["ticket", "resolved_at"], name="escalation_ticket_open"),
            models.Index(
                fields=["ack_due_at"],
                condition=models.Q(acknowledged_at__isnull=True, ack_missed_at__isnull=True),
                name="escalation_ack_due",
            ),
        ]

    def __str__(self) -> str:
        return f"L{self.level} on {self.ticket_id}"
