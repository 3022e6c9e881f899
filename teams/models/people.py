"""People: vendors, teams and agent profiles. Roles are Django groups mirrored on Agent.role."""

import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models


def validate_time_zone(value: str) -> None:
    """Reject names the IANA database does not know."""
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"Unknown time zone: {value}")


class Sensitivity(models.TextChoices):
    """How harmful a category's content can be; also an agent's clearance level."""

    NONE = "none", "None"
    SENSITIVE = "sensitive", "Sensitive"
    RESTRICTED = "restricted", "Restricted"

    @classmethod
    def rank(cls, value: str) -> int:
        return [cls.NONE, cls.SENSITIVE, cls.RESTRICTED].index(value)

    @classmethod
    def allowed_for(cls, clearance: str) -> list[str]:
        """The sensitivities an agent with this clearance may handle."""
        return [
            s
            for s in (cls.NONE, cls.SENSITIVE, cls.RESTRICTED)
            if cls.rank(s) <= cls.rank(clearance)
        ]


class Role(models.TextChoices):
    ASSOCIATE = "associate", "Associate"
    LEAD = "lead", "Lead"
    MANAGER = "manager", "Manager"
    QA_ANALYST = "qa_analyst", "QA analyst"
    ADMIN = "admin", "Admin"


class Presence(models.TextChoices):
    """What an agent is doing right now, set by the agent from the header."""

    AVAILABLE = "available", "Available"
    BREAK = "break", "Break"
    LUNCH = "lunch", "Lunch"
    TRAINING = "training", "Training"
    COACHING = "coaching", "Coaching"
    MEETING = "meeting", "Meeting"
    OFFLINE = "offline", "Offline"


class Vendor(models.Model):
    """The company whose people staff a team: our own (in-house) or a BPO partner."""

    class Kind(models.TextChoices):
        IN_HOUSE = "in_house", "In-house"
        BPO = "bpo", "BPO partner"

    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(unique=True)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.IN_HOUSE)
    country = models.CharField(max_length=2, help_text="ISO 3166-1 alpha-2")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Team(models.Model):
    """A team of associates under one lead, working in one time zone for one vendor."""

    class WorkMode(models.TextChoices):
        PULL = "pull", "Pull (get next ticket)"
        PUSH = "push", "Push (auto-assign)"

    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(unique=True)
    vendor = models.ForeignKey(Vendor, on_delete=models.PROTECT, related_name="teams")
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="led_teams",
    )
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="managed_teams",
    )
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    country = models.CharField(max_length=2, blank=True, help_text="Holiday calendar country")
    categories = models.JSONField(
        default=list, blank=True, help_text="Category slugs this team serves"
    )
    languages = models.JSONField(
        default=list, blank=True, help_text="Language codes this team serves"
    )
    work_mode = models.CharField(max_length=8, choices=WorkMode.choices, default=WorkMode.PULL)
    exposure_cap_per_shift = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="Most sensitive or restricted tickets one agent handles per shift (empty: no cap)",
    )
    exposure_cap_per_week = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="Most sensitive or restricted tickets one agent handles in 7 days (empty: no cap)",
    )
    exposure_cool_down_minutes = models.PositiveSmallIntegerField(
        default=0,
        validators=[MaxValueValidator(240)],
        help_text="Minutes of plain work or a break after a sensitive ticket before the next one",
    )
    exposure_check_in_minutes = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        default=300,
        help_text="Exposure minutes in 7 days past which the lead is prompted to check in",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Agent(models.Model):
    """A staff member's profile: role, team, skills, capacity and sensitivity clearance."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        ON_LEAVE = "on_leave", "On leave"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="agent"
    )
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.ASSOCIATE)
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="members"
    )
    skills = models.JSONField(
        default=list, blank=True, help_text="Category slugs the agent may take"
    )
    languages = models.JSONField(
        default=list, blank=True, help_text="Language codes the agent writes"
    )
    capacity = models.PositiveSmallIntegerField(
        default=10, help_text="Most open tickets assigned at once"
    )
    clearance = models.CharField(
        max_length=16, choices=Sensitivity.choices, default=Sensitivity.NONE
    )
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    start_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    # The open PresenceLog row mirrored here so "who is available" is one indexed filter.
    presence = models.CharField(max_length=16, choices=Presence.choices, default=Presence.OFFLINE)
    presence_since = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["user__username"]
        indexes = [
            models.Index(fields=["team", "role"]),
            models.Index(fields=["team", "presence"]),
        ]

    def __str__(self) -> str:
        return self.user.get_full_name() or self.user.username

    @property
    def display_name(self) -> str:
        return str(self)

    @property
    def audit_label(self) -> str:
        return self.user.get_username()


class AgentPermissions(models.Model):
    """Holder of the permissions that belong to no single model row (unmanaged, no table)."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [
            ("view_pii", "Can see requester email and phone"),
            ("view_team_dashboard", "Can see the team dashboard"),
            ("view_overview", "Can see the cross-team overview"),
            ("export_reports", "Can export reports"),
        ]

    def __str__(self) -> str:
        return "Frontline permissions"
