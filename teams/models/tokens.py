"""API tokens: a person's credentials for scripts and integrations, with a scope and an expiry.

Only a SHA-256 digest of the secret is stored; the secret is shown once, when it is created.
The secret has 256 bits of entropy, so a fast digest is enough (nothing to brute-force) and
lets authentication look the token up by an indexed column."""

from django.conf import settings
from django.db import models


class ApiToken(models.Model):
    """One API token of one user. `prefix` (the first characters of the secret) lets the
    owner tell tokens apart; `key_hash` is what authentication compares against."""

    class Scope(models.TextChoices):
        READ = "read", "Read only"
        WRITE = "write", "Read and write"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100)
    scope = models.CharField(max_length=8, choices=Scope.choices, default=Scope.READ)
    prefix = models.CharField(max_length=12)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "revoked_at"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def is_usable(self, now) -> bool:
        return self.revoked_at is None and self.expires_at > now

    @property
    def can_write(self) -> bool:
        return self.scope == self.Scope.WRITE
