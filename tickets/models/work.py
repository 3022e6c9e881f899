"""Handle time: the spans an agent actually worked a ticket in the workspace."""

from django.conf import settings
from django.db import models

from .core import Ticket


class WorkSession(models.Model):
    """One stretch of an agent working one ticket: the workspace was visible and focused.

    The workspace sends a heartbeat while it is in front of the agent; a heartbeat within
    the idle cutoff of the last one extends the session by the gap, a later one starts a new
    session (the gap is idle time, not work). A session never crosses a UTC midnight, so
    `seconds` belongs to the UTC day of `started_at` (tickets.services.work).
    """

    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="work_sessions"
    )
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="work_sessions")
    started_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()
    seconds = models.FloatField(default=0)

    class Meta:
        indexes = [
            models.Index(fields=["agent", "ticket", "-last_seen_at"], name="worksession_open"),
            models.Index(fields=["last_seen_at"], name="worksession_seen"),
            models.Index(fields=["started_at"], name="worksession_started"),
        ]

    def __str__(self) -> str:
        return f"{self.agent_id} on {self.ticket_id}: {self.seconds:.0f} s"
