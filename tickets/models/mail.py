"""Inbound mail kept out of the queue: spam held for review, and senders blocked outright."""

from django.conf import settings
from django.db import models


class HeldEmail(models.Model):
    """A message classified as spam: kept (raw) until a lead or admin releases or deletes it."""

    raw = models.BinaryField()
    message_id = models.CharField(max_length=255, blank=True, db_index=True)
    from_email = models.CharField(max_length=320)
    from_name = models.CharField(max_length=200, blank=True)
    subject = models.CharField(max_length=250, blank=True)
    excerpt = models.CharField(max_length=300, blank=True)
    reason = models.CharField(max_length=300)
    score = models.FloatField(default=0)
    received_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-received_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.from_email}: {self.subject}"


class BlockedSender(models.Model):
    """An address whose mail is dropped as spam on arrival (lower-case addr-spec)."""

    email = models.CharField(max_length=320, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["email"]

    def __str__(self) -> str:
        return self.email
