"""Macros (shared by a team, everyone's, or one person's) and saved queue views."""

from django.conf import settings
from django.db import models

from teams.models import Team

from ..querysets import MacroQuerySet


class Macro(models.Model):
    """A canned reply with placeholders ({{requester.name}}) and field actions to apply."""

    title = models.CharField(max_length=200)
    body = models.TextField(
        blank=True, help_text="Markdown with {{requester.name}}-style placeholders"
    )
    actions = models.JSONField(
        default=dict,
        blank=True,
        help_text='e.g. {"status": "solved", "priority": 3, "tags": ["refund"]}',
    )
    team = models.ForeignKey(
        Team,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        help_text="Empty: shared by all teams",
    )
    active = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)
    policy_article = models.ForeignKey(
        "teams.PolicyArticle",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The policy this macro cites; a newer published version flags it for review",
    )
    policy_reviewed_version = models.ForeignKey(
        "teams.PolicyVersion",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
        help_text="The version of the cited policy the macro was last saved against",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="personal_macros",
        help_text="Set: a personal macro, offered only to this person (never with a team)",
    )

    objects = MacroQuerySet.as_manager()

    class Meta:
        ordering = ["title"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(owner__isnull=True) | models.Q(team__isnull=True),
                name="macro_personal_or_team",
                violation_error_message="A personal macro belongs to no team.",
            )
        ]

    def __str__(self) -> str:
        return self.title


class SavedView(models.Model):
    """A user's named queue filter (the query string of the queue page), shown as a tab."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_ticket_views"
    )
    name = models.CharField(max_length=80)
    query = models.CharField(max_length=1000, help_text="Queue filters as a query string")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["user", "name"], name="savedview_user_name_unique")
        ]

    def __str__(self) -> str:
        return self.name
