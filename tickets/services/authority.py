"""Reports of child sexual abuse material to the authority that receives them (NCMEC's
CyberTipline and its peers): assembled by a cleared lead from a child-safety ticket, the
evidence put under legal hold, filed outside Frontline and recorded with the authority's
reference. Every read is audited (`authority_report_viewed`), every write too.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from teams.models import AuditEntry
from teams.services import audit_record

from .. import events
from ..mail.hashes import dhash_hex, sha256_hex
from ..models import Attachment, AuthorityReport, LegalHold, Ticket
from ..permissions import can_report_to_authority
from .privacy import legal_hold_place

HOLD_REASON = "Evidence for a child-safety report to the receiving authority"
EDITABLE = (
    "incident_at", "account_username", "account_id", "account_email", "account_profile_url",
    "urls", "uploader_ip", "uploader_details", "reporter_notes",
)  # fmt: skip


def is_child_safety(ticket: Ticket) -> bool:
    """Is the ticket in a category reported to the authority (CHILD_SAFETY_CATEGORIES)?"""
    return ticket.category.slug in settings.FRONTLINE["CHILD_SAFETY_CATEGORIES"]


def authority_report_check(*, ticket: Ticket, by) -> None:
    """PermissionDenied unless `by` may handle this ticket's report; ValidationError when the
    ticket is not a child-safety one."""
    if not can_report_to_authority(by, ticket.category.sensitivity):
        raise PermissionDenied(
            "Only leads, managers and admins cleared for restricted work see these reports."
        )
    if not is_child_safety(ticket):
        raise ValidationError("Only child-safety tickets are reported to the authority.")


def content_hashes(ticket: Ticket) -> list[dict[str, Any]]:
    """Each attachment of the ticket, read from storage: name, type, size, SHA-256 of the
    bytes as stored now (and whether it equals the one taken on upload), and the dHash of
    an image."""
    out = []
    for a in Attachment.objects.filter(ticket=ticket).order_by("pk"):
        try:
            with a.file.open("rb") as f:
                data = f.read()
        except (FileNotFoundError, ValueError, OSError):
            out.append({"attachment": a.pk, "name": a.name, "missing": True})
            continue
        digest = sha256_hex(data)
        image = a.content_type.startswith("image/")
        out.append({
            "attachment": a.pk, "name": a.name, "content_type": a.content_type,
            "size": len(data), "sha256": digest, "sha256_matches_upload": digest == a.sha256,
            "dhash": dhash_hex(data) if image else "", "uploaded_at": a.created_at.isoformat(),
        })  # fmt: skip
    return out


def _audit(action: str, report: AuthorityReport, by, **detail) -> None:
    audit_record(
        actor=by, action=action,
        target=("tickets.authorityreport", report.pk, f"Report on FL-{report.ticket_id}"),
        detail={"ticket": report.ticket_id, **detail},
    )  # fmt: skip


@transaction.atomic
def authority_report_open(*, ticket: Ticket, by) -> AuthorityReport:
    """The ticket's report, assembled now if it has none: content hashes of its attachments,
    the incident time prefilled with the ticket's creation, and the ticket placed under legal
    hold (unless one is in force on it or its requester already)."""
    authority_report_check(ticket=ticket, by=by)
    ticket = Ticket.objects.select_for_update(of=("self",)).get(pk=ticket.pk)
    existing = AuthorityReport.objects.filter(ticket=ticket).first()
    if existing is not None:
        return existing
    hold = LegalHold.objects.in_force().covering(ticket).order_by("placed_at", "pk").first()
    if hold is None:
        hold = legal_hold_place(by=by, reason=HOLD_REASON, ticket=ticket)
    now = timezone.now()
    report = AuthorityReport.objects.create(
        ticket=ticket, incident_at=ticket.created_at, content=content_hashes(ticket),
        legal_hold=hold, created_by=by, created_at=now, updated_at=now,
    )  # fmt: skip
    _audit(AuditEntry.Action.AUTHORITY_REPORT_SAVE, report, by, what="assembled")
    events.record(ticket, by, "authority_report", "", "", "assembled", at=now)
    return report


@transaction.atomic
def authority_report_update(*, report: AuthorityReport, by, data: dict) -> AuthorityReport:
    """Change the report's fields (EDITABLE) and take the content hashes again. A filed
    report is final (ValidationError)."""
    report = (
        AuthorityReport.objects.select_for_update()
        .select_related("ticket__category")
        .get(pk=report.pk)
    )
    authority_report_check(ticket=report.ticket, by=by)
    if report.is_filed:
        raise ValidationError("This report was filed; it cannot change any more.")
    for name in EDITABLE:
        if name in data:
            setattr(report, name, data[name])
    report.content = content_hashes(report.ticket)
    report.updated_at = timezone.now()
    report.save()
    _audit(AuditEntry.Action.AUTHORITY_REPORT_SAVE, report, by, what="edited")
    return report


@transaction.atomic
def authority_report_file(
    *, report: AuthorityReport, by, reference: str, filed_at: datetime | None = None
) -> AuthorityReport:
    """Record that the report was filed, with the reference the authority gave."""
    report = (
        AuthorityReport.objects.select_for_update()
        .select_related("ticket__category")
        .get(pk=report.pk)
    )
    authority_report_check(ticket=report.ticket, by=by)
    reference = reference.strip()
    if not reference:
        raise ValidationError("Enter the reference the authority gave on filing.")
    if report.is_filed:
        raise ValidationError(f"Already filed with reference {report.submission_reference}.")
    report.submission_reference, report.filed_by = reference[:100], by
    report.filed_at = filed_at or timezone.now()
    report.save(update_fields=["submission_reference", "filed_at", "filed_by"])
    _audit(
        AuditEntry.Action.AUTHORITY_REPORT_FILE, report, by, reference=report.submission_reference
    )
    events.record(report.ticket, by, "authority_report", "", "", "filed", at=report.filed_at)
    return report


def authority_report_viewed(*, report: AuthorityReport, by, how: str) -> None:
    """Audit one read of the report: the page, the printable document or the JSON export."""
    action = (
        AuditEntry.Action.AUTHORITY_REPORT_EXPORT
        if how != "page"
        else AuditEntry.Action.AUTHORITY_REPORT_VIEW
    )
    _audit(action, report, by, format=how)
