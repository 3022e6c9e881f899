"""Retention (the nightly beat task): purge old sensitive attachments and anonymise
requesters whose tickets have long been closed; one audit entry per run."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import models, transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from teams.models import AuditEntry, Sensitivity
from teams.services import audit_record

from ...models import (
    Attachment,
    Requester,
    Ticket,
)
from .erasure import attachment_delete, requesters_erase_now
from .holds import requesters_under_hold, tickets_under_hold


@dataclass
class RetentionResult:
    attachments: int = 0
    files: int = 0
    requesters: int = 0
    tickets: int = 0


def _purge_sensitive_attachments(cutoff, result: RetentionResult) -> None:
    # A ticket under a legal hold (or whose requester is) keeps its attachments: they may be
    # the evidence the hold is for.
    qs = Attachment.objects.filter(
        ticket__status=Ticket.Status.CLOSED,
        ticket__closed_at__lt=cutoff,
        ticket__category__sensitivity__in=(Sensitivity.SENSITIVE, Sensitivity.RESTRICTED),
    ).exclude(tickets_under_hold("ticket__"))
    for attachment in qs.iterator():
        result.files += attachment_delete(attachment)
        result.attachments += 1


def _anonymisable(cutoff) -> QuerySet[Requester]:
    """Requesters not yet erased whose every ticket was closed before `cutoff`, and neither
    they nor any ticket of theirs under a legal hold."""
    closed_before = Q(tickets__status=Ticket.Status.CLOSED, tickets__closed_at__lt=cutoff)
    return (
        Requester.objects.exclude(email__startswith="erased-requester-", email__endswith="@invalid")
        .exclude(requesters_under_hold())
        .annotate(total=Count("tickets"), old=Count("tickets", filter=closed_before))
        .filter(total__gt=0, total=models.F("old"))
        .order_by("pk")
    )


def retention_run(*, now=None, batch: int = 50) -> RetentionResult:
    """Apply the retention settings once (the daily beat task calls this).

    RETENTION_SENSITIVE_ATTACHMENT_DAYS: attachments of tickets in sensitive and restricted
    categories closed longer ago are deleted (file and row). RETENTION_ANONYMISE_DAYS: a
    requester whose every ticket has been closed longer ago is erased exactly as on request
    (tickets and metrics stay). 0 switches either off. Tickets and requesters under a legal
    hold in force are skipped (privacy.holds); once released, the next run takes them. Safe
    to run twice; the counts go to the audit trail (one entry per run).
    """
    now = now or timezone.now()
    conf = settings.FRONTLINE
    attachment_days = conf.get("RETENTION_SENSITIVE_ATTACHMENT_DAYS", 0)
    anonymise_days = conf.get("RETENTION_ANONYMISE_DAYS", 0)
    result = RetentionResult()
    if attachment_days:
        with transaction.atomic():
            _purge_sensitive_attachments(now - timedelta(days=attachment_days), result)
    if anonymise_days:
        cutoff = now - timedelta(days=anonymise_days)
        while True:
            with transaction.atomic():
                chunk = list(_anonymisable(cutoff)[:batch])
                if not chunk:
                    break
                counts = requesters_erase_now(chunk)
            result.requesters += counts.requesters
            result.tickets += counts.tickets
            result.attachments += counts.attachments
            result.files += counts.files
    audit_record(
        actor=None,
        action=AuditEntry.Action.RETENTION_RUN,
        detail={
            "attachment_days": attachment_days,
            "anonymise_days": anonymise_days,
            "attachments_deleted": result.attachments,
            "files_deleted": result.files,
            "requesters_anonymised": result.requesters,
            "tickets_anonymised": result.tickets,
        },
    )
    return result
