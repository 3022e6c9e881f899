"""Policy library: articles in Markdown with numbered versions; publishing a version to teams
asks each associate in them to acknowledge it (one PolicyAcknowledgement row each)."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from .people import Team


class PolicyArticle(models.Model):
    """A policy (e.g. "Account recovery: identity checks"); its text lives in versions."""

    title = models.CharField(max_length=200)
    slug = models.SlugField(unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


class PolicyVersion(models.Model):
    """Version `number` of an article, in force from `effective_date`, published to `teams`.
    `body_html` is rendered from `body_md` (sanitized) when published."""

    article = models.ForeignKey(PolicyArticle, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    summary = models.CharField(max_length=300, blank=True, help_text="What changed")
    body_md = models.TextField()
    body_html = models.TextField(editable=False)
    effective_date = models.DateField()
    teams = models.ManyToManyField(Team, related_name="policy_versions", blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_at = models.DateTimeField()

    class Meta:
        ordering = ["article", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["article", "number"], name="policy_version_number")
        ]

    def __str__(self) -> str:
        return f"{self.article} v{self.number}"


class PolicyAcknowledgement(models.Model):
    """`user` was asked to read `version` (pending while `acknowledged_at` is null)."""

    version = models.ForeignKey(
        PolicyVersion, on_delete=models.CASCADE, related_name="acknowledgements"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="policy_acknowledgements"
    )
    team = models.ForeignKey(Team, null=True, on_delete=models.SET_NULL, related_name="+")
    requested_at = models.DateTimeField()
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at"]
        constraints = [
            models.UniqueConstraint(fields=["version", "user"], name="one_ack_per_version")
        ]
        indexes = [
            models.Index(
                fields=["user"], condition=Q(acknowledged_at__isnull=True), name="pending_ack_idx"
            ),
            models.Index(fields=["version", "team"]),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.version}"

    @property
    def pending(self) -> bool:
        return self.acknowledged_at is None
