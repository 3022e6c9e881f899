"""SLA side: business-hours calendars, team service settings, policies and per-ticket targets."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from teams.models import Team

from ..business_time import parse_dates, parse_weekly, parse_zone
from ..querysets import TicketSLAQuerySet
from ..validators import check_holiday_region
from ..validators import holiday_dates as region_holidays
from .core import Category, Ticket


class BusinessHours(models.Model):
    """A weekly business-hours calendar in a time zone, with public and custom holidays.

    `weekly` is a list of [weekday, start_minute, end_minute] (Monday = 0, minutes after local
    midnight; several intervals a day allowed, never overlapping). Holidays come from the
    `holidays` package for `holiday_country` (and `holiday_subdivision`) plus the ISO dates in
    `custom_holidays`. `always_open` makes a 24/7 calendar. clean() checks every field
    through tickets.business_time's parsers (the SLA clocks read through them too).
    """

    name = models.CharField(max_length=120, unique=True)
    time_zone = models.CharField(max_length=64, default="UTC")
    weekly = models.JSONField(
        default=list,
        blank=True,
        help_text="[[weekday, start minute, end minute], ...], Monday = 0: "
        "[[0, 540, 1020]] is Monday 09:00-17:00",
    )
    holiday_country = models.CharField(max_length=2, blank=True)
    holiday_subdivision = models.CharField(
        max_length=10, blank=True, help_text="A state or region of the country (e.g. BY)"
    )
    custom_holidays = models.JSONField(
        default=list, blank=True, help_text='Dates written YYYY-MM-DD, e.g. ["2026-12-24"]'
    )
    always_open = models.BooleanField(default=False)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "business hours"

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors: dict[str, str] = {}
        for name, check in (
            ("time_zone", lambda: parse_zone(self.time_zone)),
            ("weekly", lambda: parse_weekly(self.weekly)),
            ("custom_holidays", lambda: parse_dates(self.custom_holidays)),
            (
                "holiday_subdivision" if self.holiday_subdivision else "holiday_country",
                lambda: check_holiday_region(self.holiday_country, self.holiday_subdivision),
            ),
        ):
            try:
                check()
            except ValueError as exc:
                errors[name] = str(exc)
        if not errors and not self.always_open and not self.weekly:
            errors["weekly"] = "Open at least one interval, or make the calendar open 24/7."
        if errors:
            raise ValidationError(errors)

    def holiday_dates(self, years) -> frozenset[date]:
        """Custom dates plus the region's public holidays in `years`. Raises ValueError
        when custom dates stored before validation are malformed."""
        days = set(parse_dates(self.custom_holidays))
        days |= region_holidays(self.holiday_country, self.holiday_subdivision, years)
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


# Statuses a policy may pause the resolution clock in (waiting on the requester or a partner).
PAUSABLE_STATUSES = (Ticket.Status.PENDING, Ticket.Status.ON_HOLD)


def default_pause_statuses() -> list[str]:
    return [Ticket.Status.PENDING.value, Ticket.Status.ON_HOLD.value]


class SLAPolicy(models.Model):
    """Ordered conditions → targets; the first active policy whose conditions all match applies.

    Empty condition lists match anything. Targets are minutes, business or calendar. The
    resolution clock pauses in `pause_statuses`. `created_from` / `created_before` limit the
    policy to tickets created in that window: "new tickets only" starts a policy (or a new
    version of one, the old version kept for older tickets) at the moment it is saved.
    """

    name = models.CharField(max_length=120)
    position = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(default=True)
    priorities = models.JSONField(
        default=list, blank=True, help_text="1 low, 2 normal, 3 high, 4 urgent: e.g. [3, 4]"
    )
    categories = models.ManyToManyField(Category, blank=True, related_name="+")
    teams = models.ManyToManyField(Team, blank=True, related_name="+")
    channels = models.JSONField(default=list, blank=True, help_text='e.g. ["email"]')
    requester_tiers = models.JSONField(default=list, blank=True, help_text='e.g. ["vip"]')
    pause_statuses = models.JSONField(
        default=default_pause_statuses,
        blank=True,
        help_text='Statuses that pause the resolution clock, e.g. ["pending", "on_hold"]',
    )
    created_from = models.DateTimeField(
        null=True, blank=True, help_text="Applies only to tickets created at or after this"
    )
    created_before = models.DateTimeField(
        null=True, blank=True, help_text="Applies only to tickets created before this"
    )
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
        constraints = [
            models.CheckConstraint(
                condition=models.Q(at_risk_share__gt=0, at_risk_share__lte=1),
                name="slapolicy_at_risk_share_range",
            ),
            models.CheckConstraint(
                condition=models.Q(created_from__isnull=True)
                | models.Q(created_before__isnull=True)
                | models.Q(created_from__lt=models.F("created_before")),
                name="slapolicy_created_window",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors = sla_policy_value_errors(self)
        if errors:
            raise ValidationError(errors)


def _list_of(value, allowed, what: str) -> str | None:
    if not isinstance(value, list):
        return f"{what} must be a list, e.g. {list(allowed)[:2]!r}."
    unknown = [v for v in value if v not in allowed or isinstance(v, bool)]
    if unknown:
        return f"Unknown {what.lower()}: {', '.join(map(repr, unknown))}."
    return None


def sla_policy_value_errors(policy: SLAPolicy) -> dict[str, str]:
    """What is wrong with the policy's stored values, by field (empty when all is well). The
    SLA clocks skip a policy with any error (and tell the admins) instead of failing."""
    errors: dict[str, str] = {}
    checks = (
        ("priorities", policy.priorities, Ticket.Priority.values, "Priorities"),
        ("channels", policy.channels, Ticket.Channel.values, "Channels"),
        ("pause_statuses", policy.pause_statuses, PAUSABLE_STATUSES, "Statuses"),
    )
    for name, value, allowed, what in checks:
        if error := _list_of(value, list(allowed), what):
            errors[name] = error
    tiers = policy.requester_tiers
    if not isinstance(tiers, list) or not all(isinstance(t, str) for t in tiers):
        errors["requester_tiers"] = 'Requester tiers must be a list of names, e.g. ["vip"].'
    if not 0 < (policy.at_risk_share or 0) <= 1:
        errors["at_risk_share"] = "The at-risk share must be above 0 and at most 1 (e.g. 0.75)."
    if (
        policy.created_from
        and policy.created_before
        and policy.created_from >= policy.created_before
    ):
        errors["created_before"] = "The window must end after it starts."
    return errors


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
