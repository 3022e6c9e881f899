"""QA: versioned scorecards (sections, weighted criteria, auto-fail), reviews and the queue."""

from django.conf import settings
from django.db import models

from tickets.models import Ticket

from ..querysets import QAQueueQuerySet, QAReviewQuerySet


class Scorecard(models.Model):
    """A named rubric; its content lives in versions so old reviews keep their criteria."""

    name = models.CharField(max_length=120, unique=True)
    description = models.TextField(blank=True)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ScorecardVersion(models.Model):
    """One version of a scorecard: a draft (published_at empty) is edited in place; once
    published it is immutable, and editing the scorecard starts a new draft."""

    scorecard = models.ForeignKey(Scorecard, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_at = models.DateTimeField(
        null=True, blank=True, help_text="Empty: a draft, not offered to reviewers yet"
    )

    class Meta:
        ordering = ["scorecard", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["scorecard", "number"], name="scorecard_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.scorecard.name} v{self.number}"


class ScorecardSection(models.Model):
    """A group of criteria on a version (e.g. "Accuracy", "Tone", "Policy")."""

    version = models.ForeignKey(ScorecardVersion, on_delete=models.CASCADE, related_name="sections")
    title = models.CharField(max_length=120)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["version", "position", "pk"]

    def __str__(self) -> str:
        return self.title


class Criterion(models.Model):
    """One question with a scale and a weight; an auto-fail criterion failed zeroes the review.

    Failed means the lowest value of its scale: "No" on yes/no scales, 1 on the 1-5 scale.
    """

    class Scale(models.TextChoices):
        YES_NO = "yes_no", "Yes / No"
        YES_NO_NA = "yes_no_na", "Yes / No / N/A"
        ONE_TO_FIVE = "one_to_five", "1 – 5"

    section = models.ForeignKey(ScorecardSection, on_delete=models.CASCADE, related_name="criteria")
    text = models.CharField(max_length=250)
    help_text = models.TextField(blank=True)
    scale = models.CharField(max_length=16, choices=Scale.choices, default=Scale.YES_NO)
    weight = models.PositiveSmallIntegerField(default=1)
    auto_fail = models.BooleanField(default=False)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["section", "position", "pk"]
        verbose_name_plural = "criteria"

    def __str__(self) -> str:
        return self.text

    @property
    def bounds(self) -> tuple[int, int]:
        return (1, 5) if self.scale == self.Scale.ONE_TO_FIVE else (0, 1)

    @property
    def allows_na(self) -> bool:
        return self.scale in (self.Scale.YES_NO_NA, self.Scale.ONE_TO_FIVE)

    def choices(self) -> list[tuple[str, str]]:
        if self.scale == self.Scale.ONE_TO_FIVE:
            options = [(str(i), str(i)) for i in range(1, 6)]
        else:
            options = [("1", "Yes"), ("0", "No")]
        if self.allows_na:
            options.append(("na", "N/A"))
        return options


class QAReview(models.Model):
    """One reviewer's scoring of one ticket against one scorecard version.

    The associate reviewed may acknowledge it or dispute it with a comment; a lead resolves a
    dispute. An upheld dispute voids the review (it stops counting toward QA scores).
    """

    class Status(models.TextChoices):
        SUBMITTED = "submitted", "Submitted"
        VOID = "void", "Void (dispute upheld)"

    class Response(models.TextChoices):
        NONE = "", "Awaiting the associate"
        ACKNOWLEDGED = "acknowledged", "Acknowledged"
        DISPUTED = "disputed", "Disputed"
        UPHELD = "upheld", "Dispute upheld"
        REJECTED = "rejected", "Dispute rejected"

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="qa_reviews")
    version = models.ForeignKey(ScorecardVersion, on_delete=models.PROTECT, related_name="reviews")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="qa_reviews_given"
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="qa_reviews_received",
        help_text="The associate reviewed: the ticket's assignee when the review was submitted",
    )
    team = models.ForeignKey(
        "teams.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.SUBMITTED)
    score = models.FloatField()
    auto_failed = models.BooleanField(default=False)
    comment = models.TextField(blank=True)
    submitted_at = models.DateTimeField()
    response = models.CharField(max_length=16, choices=Response.choices, blank=True, default="")
    response_comment = models.TextField(blank=True)
    responded_at = models.DateTimeField(null=True, blank=True)
    resolution_comment = models.TextField(blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    objects = QAReviewQuerySet.as_manager()

    class Meta:
        ordering = ["-submitted_at", "-pk"]
        indexes = [
            models.Index(fields=["agent", "submitted_at"], name="qareview_agent_time"),
            models.Index(fields=["ticket", "submitted_at"], name="qareview_ticket_time"),
            models.Index(fields=["response"], name="qareview_response"),
        ]

    def __str__(self) -> str:
        return f"QA of {self.ticket_id} by {self.reviewer_id}: {self.score:.0f}"


class QAAnswer(models.Model):
    """The value chosen for one criterion (None = N/A)."""

    review = models.ForeignKey(QAReview, on_delete=models.CASCADE, related_name="answers")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="+")
    value = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["criterion__section__position", "criterion__position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["review", "criterion"], name="qaanswer_unique")
        ]

    def __str__(self) -> str:
        return f"{self.criterion_id}={self.value}"


class QAQueueItem(models.Model):
    """A ticket waiting for QA, and why it was picked."""

    class Reason(models.TextChoices):
        SAMPLE = "sample", "Weekly random sample"
        ESCALATED = "escalated", "Escalated"
        LOW_CSAT = "low_csat", "Low CSAT"
        PULLED = "pulled", "Pulled in by a reviewer"

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="qa_queue_items")
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    team = models.ForeignKey(
        "teams.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField(max_length=16, choices=Reason.choices)
    pulled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The reviewer who pulled the ticket into the queue (reason: pulled)",
    )
    week = models.DateField(help_text="Monday of the sampled week")
    created_at = models.DateTimeField(auto_now_add=True)
    done_at = models.DateTimeField(null=True, blank=True)

    objects = QAQueueQuerySet.as_manager()

    class Meta:
        ordering = ["done_at", "week", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["ticket", "reason"], name="qaqueue_ticket_reason")
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_display()}: {self.ticket_id}"
