"""Coaching: sessions with action items, and quick feedback notes a lead drops from a ticket.
Tickets are referenced by id (teams/ cannot depend on tickets/)."""

from django.conf import settings
from django.db import models

from .people import Agent, Team


class CoachingSession(models.Model):
    """A 1:1 between a coach (usually the lead) and an associate. `team` is the associate's
    team when the session was logged, so access follows where the work happened."""

    coach = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="coaching_given"
    )
    associate = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="coaching_sessions")
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="coaching_sessions"
    )
    date = models.DateField()
    agenda = models.TextField(blank=True)
    notes = models.TextField(blank=True)
    ticket_ids = models.JSONField(default=list, blank=True, help_text="Linked ticket ids")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-date", "-created_at"]
        indexes = [
            models.Index(fields=["team", "date"]),
            models.Index(fields=["associate", "date"]),
        ]

    def __str__(self) -> str:
        return f"Coaching {self.associate} on {self.date}"


class ActionItem(models.Model):
    """Something the associate (or coach) agreed to do by `due_date`."""

    session = models.ForeignKey(CoachingSession, on_delete=models.CASCADE, related_name="items")
    text = models.CharField(max_length=300)
    due_date = models.DateField(null=True, blank=True)
    done = models.BooleanField(default=False)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["done", "due_date", "pk"]

    def __str__(self) -> str:
        return self.text


class FeedbackNote(models.Model):
    """Quick kudos or an improvement point, optionally about one ticket."""

    class Kind(models.TextChoices):
        KUDOS = "kudos", "Kudos"
        IMPROVEMENT = "improvement", "Improvement"

    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="feedback_given"
    )
    associate = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="feedback")
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="feedback_notes"
    )
    kind = models.CharField(max_length=12, choices=Kind.choices)
    text = models.TextField()
    ticket_id = models.PositiveBigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["team", "created_at"]), models.Index(fields=["associate"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.associate}"
