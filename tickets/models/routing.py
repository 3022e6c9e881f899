"""Routing rules and the record of which rule routed a ticket."""

from django.db import models

from teams.models import Team

from .core import Category, Ticket


class RoutingRule(models.Model):
    """Ordered conditions → team, priority, tags; the first active match wins.

    Empty condition lists match anything; `keywords` match the subject or first message
    (case-insensitive); `tags` require all listed tags. A rule with `is_default` is tried last.
    """

    name = models.CharField(max_length=120)
    position = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(default=True)
    is_default = models.BooleanField(default=False)
    categories = models.ManyToManyField(Category, blank=True, related_name="+")
    languages = models.JSONField(default=list, blank=True)
    countries = models.JSONField(default=list, blank=True)
    channels = models.JSONField(default=list, blank=True)
    keywords = models.JSONField(default=list, blank=True)
    tags = models.JSONField(default=list, blank=True)
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+")
    set_priority = models.PositiveSmallIntegerField(
        null=True, blank=True, choices=Ticket.Priority.choices
    )
    add_tags = models.JSONField(default=list, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["is_default", "position", "pk"]

    def __str__(self) -> str:
        return self.name


class TicketRouting(models.Model):
    """How a ticket was routed: the rule, the owner team, and the team it went to.

    With `followed_sun`, `team` served the ticket because the owner had nobody on shift; when
    the ticket opens again unassigned and still with that team, it goes back to the owner
    (`returned_at`).
    """

    ticket = models.OneToOneField(Ticket, on_delete=models.CASCADE, related_name="routing")
    rule = models.ForeignKey(
        RoutingRule, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    owner_team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    followed_sun = models.BooleanField(default=False)
    routed_at = models.DateTimeField()
    returned_at = models.DateTimeField(
        null=True, blank=True, help_text="When a follow-the-sun ticket went back to its owner"
    )

    def __str__(self) -> str:
        return f"Routing of {self.ticket_id}"
