"""SLA side: business-hours calendars, team service settings, policies and per-ticket targets."""

from __future__ import annotations

import contextlib
from datetime import date

import holidays as holidays_pkg
from django.conf import settings
from django.db import models

from teams.models import Team

from ..querysets import TicketSLAQuerySet
from .core import Category, Ticket


class BusinessHours(models.Model):
    """A weekly business-hours calendar in a time zone, with public and custom holidays.

    `weekly` is a list of [weekday, start_minute, end_minute] (Monday = 0, minutes after local
    midnight). Holidays come from the `holidays` package for `holiday_country` plus the ISO
    dates in `custom_holidays`. `always_open` makes a 24/7 calendar.
    """

    name = models.CharField(max_length=120, unique=True)
    time_zone = models.CharField(max_length=64, default="UTC")
    weekly = models.JSONField(default=list, blank=True)
    holiday_country = models.CharField(max_length=2, blank=True)
    custom_holidays = models.JSONField(default=list, blank=True)
    always_open = models.BooleanField(default=False)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "business hours"

    def __str__(self) -> str:
        return self.name

    def holiday_dates(self, years) -> frozenset[date]:
        days = {date.fromisoformat(d) for d in self.custom_holidays}
        if self.holiday_country:
            with contextlib.suppress(NotImplementedError):
                days |= set(holidays_pkg.country_holidays(self.holiday_country, years=years))
        return frozenset(days)


class TeamServiceSettings(models.Model):
    """SLA-side settings of a team: its business hours, escalation queue and second level."""

    team = models.OneToOneField(Team, on_delete=models.CASCADE, related_name="service_settings")
    business_hours = models.ForeignKey(
        BusinessHours, null=True, blank=True, on_delete=models.SET_NULL, related_name="teams"
    )
    interleave_sensitive = models.BooleanField(
        default=True, help_text="After a sensitive ticket, get-next prefers a non-sensitive one"
    )
    exposure_cap_per_hour = models.PositiveSmallIntegerField(null=True, blank=True)
    escalation_ack_minutes = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Minutes the lead has to acknowledge an escalation to this team "
        "(empty: the ESCALATION_ACK_MINUTES setting)",
    )
    escalate_unacknowledged_to = models.ForeignKey(
        Team,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Where an escalation nobody acknowledged in time goes next "
        "(empty: it stays with this team and its manager is called in)",
    )

    class Meta:
        verbose_name_plural = "team service settings"

    def __str__(self) -> str:
        return f"Service settings of {self.team}"


class SLAPolicy(models.Model):
    """Ordered conditions → targets; the first active policy whose conditions all match applies.

    Empty condition lists match anything. Targets are minutes, business or calendar.
    """

    name = models.CharField(max_length=120)
    position = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(default=True)
    priorities = models.JSONField(default=list, blank=True, help_text="e.g. [3, 4]")
    categories = models.ManyToManyField(Category, blank=True, related_name="+")
    channels = models.JSONField(default=list, blank=True, help_text='e.g. ["email"]')
    requester_tiers = models.JSONField(default=list, blank=True, help_text='e.g. ["vip"]')
    first_reply_minutes = models.PositiveIntegerField(null=True, blank=True)
    next_reply_minutes = models.PositiveIntegerField(null=True, blank=True)
    resolution_minutes = models.PositiveIntegerField(null=True, blank=True)
    business_time = models.BooleanField(
        default=True, help_text="Count in the team's business hours (else calendar minutes)"
    )
    at_risk_share = models.FloatField(
        default=0.75, help_text="Share of the target elapsed at which a target is at risk"
    )
    bump_priority = models.BooleanField(default=True)
    second_level_team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    second_level_after_minutes = models.PositiveIntegerField(
        null=True, blank=True, help_text="Calendar minutes after breach before level 2"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = "SLA policy"
        verbose_name_plural = "SLA policies"

    def __str__(self) -> str:
        return self.name


class TicketSLA(models.Model):
    """One SLA target on one ticket: when its clock started, is due, paused, stopped or breached.

    Metrics read these: achieved = stopped_at is set and breached_at is null (`met` true).
    Next-reply targets have one row per requester turn. `paused_at` is set while the resolution
    clock is paused (pending / on hold); `paused_minutes` adds up closed pauses.
    """

    class Kind(models.TextChoices):
        FIRST_REPLY = "first_reply", "First reply"
        NEXT_REPLY = "next_reply", "Next reply"
        RESOLUTION = "resolution", "Resolution"

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="slas")
    policy = models.ForeignKey(SLAPolicy, null=True, on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    target_minutes = models.PositiveIntegerField()
    business_time = models.BooleanField(default=True)
    started_at = models.DateTimeField()
    due_at = models.DateTimeField(null=True, blank=True)
    at_risk_at = models.DateTimeField(null=True, blank=True)
    paused_at = models.DateTimeField(null=True, blank=True)
    paused_minutes = models.FloatField(default=0)
    stopped_at = models.DateTimeField(null=True, blank=True)
    breached_at = models.DateTimeField(null=True, blank=True)
    met = models.BooleanField(null=True)
    # Escalation guards: the sweep flips these with a filtered UPDATE so each fires once.
    warned_at = models.DateTimeField(null=True, blank=True)
    escalation_level = models.PositiveSmallIntegerField(default=0)

    objects = TicketSLAQuerySet.as_manager()

    class Meta:
        ordering = ["started_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["ticket", "kind"],
                condition=models.Q(stopped_at__isnull=True),
                name="ticketsla_one_running_per_kind",
            )
        ]
        indexes = [
            models.Index(
                fields=["due_at"],
                condition=models.Q(stopped_at__isnull=True, paused_at__isnull=True),
                name="ticketsla_running_due",
            ),
            models.Index(
                fields=["at_risk_at"],
                condition=models.Q(stopped_at__isnull=True, warned_at__isnull=True),
                name="ticketsla_running_risk",
            ),
            # Metrics read the targets that ended on given days (met, or breached).
            models.Index(
                fields=["stopped_at"], condition=models.Q(met=True), name="ticketsla_met_at"
            ),
            models.Index(
                fields=["breached_at"],
                condition=models.Q(breached_at__isnull=False),
                name="ticketsla_breached_at",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.ticket_id}"


class Notification(models.Model):
    """An in-app notice to one person (assignment, SLA at risk, escalation)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    ticket = models.ForeignKey(
        Ticket, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=32)
    text = models.CharField(max_length=300)
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)
    # When its e-mail was handed to the mail server (or found to have no address), set in the
    # same transaction as the hand-off: a retried batch skips the notices already mailed.
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_user_unread")]

    def __str__(self) -> str:
        return self.text
