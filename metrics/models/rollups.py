"""Per-ticket metric snapshots, daily rollups and the refresh watermark."""

from django.conf import settings
from django.db import models

from teams.models import Team
from tickets.models import Category, Ticket

from ..querysets import (
    DailyAgentRollupQuerySet,
    DailyRollupQuerySet,
    ScopedByTeamQuerySet,
    WeeklyRollupQuerySet,
)


class TicketMetric(models.Model):
    """The metric values of one ticket as last computed, with the UTC days it counts on.

    Rollups are sums of these rows; keeping the days a ticket counted on lets an incremental
    refresh rebuild both the days it used to count on and the days it counts on now.
    """

    ticket = models.OneToOneField(Ticket, on_delete=models.CASCADE, related_name="metric")
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="+")
    channel = models.CharField(max_length=8)

    created_day = models.DateField()
    first_reply_day = models.DateField(null=True, blank=True)
    solved_day = models.DateField(null=True, blank=True)
    # UTC days on which the ticket's SLA targets (tickets.TicketSLA) ended, met or breached.
    sla_days = models.JSONField(default=list, blank=True)

    first_reply_minutes = models.FloatField(null=True, blank=True)
    first_resolution_minutes = models.FloatField(null=True, blank=True)
    full_resolution_minutes = models.FloatField(null=True, blank=True)
    requester_wait_minutes = models.FloatField(default=0)
    agent_wait_minutes = models.FloatField(default=0)
    on_hold_minutes = models.FloatField(default=0)
    solved = models.BooleanField(default=False)
    reopens = models.PositiveIntegerField(default=0)
    one_touch = models.BooleanField(default=False)
    csat_rating = models.PositiveSmallIntegerField(null=True, blank=True)
    csat_agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    csat_day = models.DateField(null=True, blank=True)
    computed_at = models.DateTimeField()

    objects = ScopedByTeamQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["created_day"], name="tmetric_created_day"),
            models.Index(fields=["first_reply_day"], name="tmetric_reply_day"),
            models.Index(fields=["solved_day"], name="tmetric_solved_day"),
            models.Index(fields=["csat_day"], name="tmetric_csat_day"),
        ]

    def __str__(self) -> str:
        return f"metrics of ticket {self.ticket_id}"


class RollupFigures(models.Model):
    """The summable figures of a rollup row: counts, duration sums and sketches.

    Sketches are dense count arrays over log-gamma buckets (metrics.sketch) so p50/p90
    merge across rows, days, agents and teams within 1 % of the exact value.
    """

    created = models.PositiveIntegerField(default=0)
    solved = models.PositiveIntegerField(default=0)
    reopened = models.PositiveIntegerField(default=0)
    one_touch = models.PositiveIntegerField(default=0)
    frt_sum = models.FloatField(default=0)
    frt_count = models.PositiveIntegerField(default=0)
    frt_sketch = models.JSONField(default=list, blank=True)
    resolution_sum = models.FloatField(default=0)
    resolution_count = models.PositiveIntegerField(default=0)
    resolution_sketch = models.JSONField(default=list, blank=True)
    # SLA targets (tickets.TicketSLA) that ended on the day: met, or breached; all kinds, and
    # per kind. Credited to the ticket's assignee.
    sla_achieved = models.PositiveIntegerField(default=0)
    sla_breached = models.PositiveIntegerField(default=0)
    sla_first_reply_met = models.PositiveIntegerField(default=0)
    sla_first_reply_breached = models.PositiveIntegerField(default=0)
    sla_next_reply_met = models.PositiveIntegerField(default=0)
    sla_next_reply_breached = models.PositiveIntegerField(default=0)
    sla_resolution_met = models.PositiveIntegerField(default=0)
    sla_resolution_breached = models.PositiveIntegerField(default=0)
    # Handle time (tickets.WorkSession) of the agent on the day: seconds, and tickets worked.
    handle_seconds = models.FloatField(default=0)
    handle_count = models.PositiveIntegerField(default=0)
    qa_sum = models.FloatField(default=0)
    qa_count = models.PositiveIntegerField(default=0)
    # CSAT ratings counted on the day they were (last) given, credited to the agent who
    # replied publicly last before the solve (tickets.services.csat).
    csat_1 = models.PositiveIntegerField(default=0)
    csat_2 = models.PositiveIntegerField(default=0)
    csat_3 = models.PositiveIntegerField(default=0)
    csat_4 = models.PositiveIntegerField(default=0)
    csat_5 = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True


class DailyRollup(RollupFigures):
    """One UTC day × agent × team × category × channel (RollupFigures)."""

    day = models.DateField()
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="+")
    channel = models.CharField(max_length=8)

    objects = DailyRollupQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["day", "team"], name="rollup_day_team"),
            models.Index(fields=["agent", "day"], name="rollup_agent_day"),
        ]

    def __str__(self) -> str:
        return f"{self.day} agent={self.agent_id} team={self.team_id} {self.category_id}/{self.channel}"


class DailyAgentRollup(RollupFigures):
    """DailyRollups summed per UTC day × agent × team × category sensitivity: what dashboards
    read when no category or channel filter is set (far fewer rows, histograms pre-merged).
    Rebuilt with the fine rows of the same days (metrics.services.rollups)."""

    day = models.DateField()
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    sensitivity = models.CharField(max_length=16)

    objects = DailyAgentRollupQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["day", "team"], name="agentrollup_day_team"),
            models.Index(fields=["agent", "day"], name="agentrollup_agent_day"),
        ]

    def __str__(self) -> str:
        return f"{self.day} agent={self.agent_id} team={self.team_id} ({self.sensitivity})"


class DailyTeamRollup(RollupFigures):
    """DailyAgentRollups summed per UTC day × team × category sensitivity: the manager's
    overview reads these (teams, vendors, weekly trends) when no category or channel filter
    is set. Rebuilt with the other rollups of the same days."""

    day = models.DateField()
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    sensitivity = models.CharField(max_length=16)

    objects = DailyAgentRollupQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["day", "team"], name="teamrollup_day_team")]

    def __str__(self) -> str:
        return f"{self.day} team={self.team_id} ({self.sensitivity})"


class WeeklyAgentRollup(RollupFigures):
    """DailyAgentRollups summed per week (Monday to Sunday, UTC days) × agent × team × category
    sensitivity: the lead's eight weeks read a row per agent-week where they read seven, and
    its histograms come merged. Rebuilt with the daily rows of any day of the week."""

    week = models.DateField(help_text="the week's Monday")
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    sensitivity = models.CharField(max_length=16)

    objects = WeeklyRollupQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["week", "team"], name="weekagentrollup_week_team")]

    def __str__(self) -> str:
        return f"week of {self.week} agent={self.agent_id} team={self.team_id}"


class WeeklyTeamRollup(RollupFigures):
    """WeeklyAgentRollups summed per week × team × category sensitivity: the manager's
    overview. Rebuilt with them."""

    week = models.DateField(help_text="the week's Monday")
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    sensitivity = models.CharField(max_length=16)

    objects = WeeklyRollupQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["week", "team"], name="weekteamrollup_week_team")]

    def __str__(self) -> str:
        return f"week of {self.week} team={self.team_id}"


class DailySLARollup(models.Model):
    """SLA targets that ended on one UTC day, per team × category × channel × policy × kind:
    what the manager's "SLA achievement by policy" reads. Rebuilt with the other rollups."""

    day = models.DateField()
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="+")
    channel = models.CharField(max_length=8)
    policy = models.ForeignKey(
        "tickets.SLAPolicy", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=16)
    met = models.PositiveIntegerField(default=0)
    breached = models.PositiveIntegerField(default=0)

    objects = DailyRollupQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["day", "team"], name="slarollup_day_team")]

    def __str__(self) -> str:
        return f"{self.day} team={self.team_id} policy={self.policy_id} {self.kind}"


class DailyTeamSLARollup(models.Model):
    """DailySLARollups summed per UTC day × team × category sensitivity × policy × kind: what
    "SLA achievement by policy" reads when no category or channel filter is set."""

    day = models.DateField()
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    sensitivity = models.CharField(max_length=16)
    policy = models.ForeignKey(
        "tickets.SLAPolicy", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=16)
    met = models.PositiveIntegerField(default=0)
    breached = models.PositiveIntegerField(default=0)

    objects = DailyAgentRollupQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["day", "team"], name="teamslarollup_day_team")]

    def __str__(self) -> str:
        return f"{self.day} team={self.team_id} policy={self.policy_id} {self.kind}"


class RollupWatermark(models.Model):
    """How far the incremental refresh has read ticket changes (one row per named stream).
    The row named BACKFILL, when present, is where a pending backfill of older days stands."""

    BACKFILL = "backfill"

    name = models.CharField(max_length=32, unique=True)
    value = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} @ {self.value.isoformat()}"


class AgentDay(models.Model):
    """Productive time of one agent on one UTC day (teams.selectors.agent_productive_seconds:
    available, or handling a ticket, inside their shifts), for tickets per productive hour."""

    day = models.DateField()
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    productive_seconds = models.FloatField(default=0)
    computed_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day", "agent"], name="agentday_unique")]
        indexes = [models.Index(fields=["agent", "day"], name="agentday_agent_day")]

    def __str__(self) -> str:
        return f"{self.agent_id} {self.day}: {self.productive_seconds / 3600:.1f} h"
