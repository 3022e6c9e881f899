"""Legal holds: evidence that retention and erasure must leave alone until released."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from ..querysets import LegalHoldQuerySet
from .core import Requester, Ticket


class LegalHold(models.Model):
    """A hold on one ticket or on one requester (every ticket of theirs): while in force
    (`released_at` null) retention skips them and erasure is refused. Rows are kept after
    release, so the history of who held what, and why, stays."""

    ticket = models.ForeignKey(
        Ticket, null=True, blank=True, on_delete=models.PROTECT, related_name="legal_holds"
    )
    requester = models.ForeignKey(
        Requester, null=True, blank=True, on_delete=models.PROTECT, related_name="legal_holds"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", help_text="Placed by"
    )
    reason = models.TextField()
    placed_at = models.DateTimeField()
    released_at = models.DateTimeField(null=True, blank=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = LegalHoldQuerySet.as_manager()

    class Meta:
        ordering = ["-placed_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ticket__isnull=False, requester__isnull=True)
                | Q(ticket__isnull=True, requester__isnull=False),
                name="legalhold_ticket_xor_requester",
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="legalhold_reason_required"),
            # One hold in force per ticket and per requester; these partial indexes are also
            # what retention's and the workspace's "is it held?" lookups read.
            models.UniqueConstraint(
                fields=["ticket"],
                condition=Q(released_at__isnull=True, ticket__isnull=False),
                name="legalhold_one_per_ticket",
            ),
            models.UniqueConstraint(
                fields=["requester"],
                condition=Q(released_at__isnull=True, requester__isnull=False),
                name="legalhold_one_per_requester",
            ),
        ]

    def __str__(self) -> str:
        what = f"FL-{self.ticket_id}" if self.ticket_id else f"requester #{self.requester_id}"
        return f"Legal hold on {what}"

    @property
    def in_force(self) -> bool:
        return self.released_at is None
