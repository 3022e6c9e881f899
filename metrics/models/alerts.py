"""Trend alerts: the emails sent for a spike, and product-feedback escalations filed from one."""

from django.conf import settings
from django.db import models

from teams.models import Team
from tickets.models import Category, Ticket


class TrendAlertNotice(models.Model):
    """One spike emailed to one team's lead and manager (metrics.services.alerts).

    A spike that keeps going is one notice: the sweep sends again for the same team and
    category only after the previous notice's window has passed."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+")
    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="+")
    window_start = models.DateTimeField()
    window_end = models.DateTimeField()
    observed = models.PositiveIntegerField()
    expected = models.FloatField()
    z = models.FloatField()
    recipients = models.JSONField(default=list)
    sent_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["team", "category", "-window_end"], name="alertnotice_last")
        ]

    def __str__(self) -> str:
        return f"spike {self.category_id} team={self.team_id} at {self.window_end:%Y-%m-%d %H:%M}"


class ProductFeedback(models.Model):
    """A product-feedback escalation filed from a volume spike: the category, the window, the
    figures at filing time and the example tickets (the visible tickets behind the spike).

    One per spike: filing again for the same category while a filed window overlaps returns
    the existing one (metrics.services.alerts.product_feedback_file)."""

    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="+")
    window_start = models.DateTimeField()
    window_end = models.DateTimeField()
    observed = models.PositiveIntegerField()
    expected = models.FloatField()
    z = models.FloatField()
    summary = models.CharField(max_length=300)
    tickets = models.ManyToManyField(Ticket, related_name="+")
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    filed_at = models.DateTimeField()

    class Meta:
        ordering = ["-filed_at", "-pk"]
        indexes = [models.Index(fields=["category", "-window_end"], name="feedback_category_end")]

    def __str__(self) -> str:
        return self.summary
