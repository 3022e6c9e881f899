"""Settings → QA scorecards: drafts edited in place, published versions immutable (editing
one starts a new draft), each change audited with its before and after through the Settings
area's audit helper; and a reviewer pulling any ticket they may review into the QA queue."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from tickets.models import Ticket
from tickets.services.settings.audit import setting_audit

from ..models import QAQueueItem, Scorecard, ScorecardVersion
from ..permissions import can_review
from .qa import scorecard_sections_write

SECTION = "scorecards"


def scorecard_content(version: ScorecardVersion | None) -> list[dict]:
    """The version's sections and criteria as the editor and the audit trail read them."""
    if version is None:
        return []
    return [
        {
            "title": section.title,
            "criteria": [
                {
                    "text": c.text,
                    "scale": c.scale,
                    "weight": c.weight,
                    "auto_fail": c.auto_fail,
                }
                for c in section.criteria.all()
            ],
        }
        for section in version.sections.prefetch_related("criteria")
    ]


def weight_shares(sections: list[dict]) -> list[dict]:
    """Each criterion's share of a full score (weight ÷ all weights), for the preview."""
    total = sum(c["weight"] for s in sections for c in s["criteria"]) or 1
    return [
        {
            "title": s["title"],
            "criteria": [{**c, "share": 100 * c["weight"] / total} for c in s["criteria"]],
        }
        for s in sections
    ]


def version_snapshot(version: ScorecardVersion | None) -> dict | None:
    if version is None:
        return None
    return {
        "scorecard": version.scorecard.name,
        "description": version.scorecard.description,
        "version": version.number,
        "published": version.published_at is not None,
        "sections": scorecard_content(version),
    }


def _check(name: str, sections: Sequence[Mapping]) -> None:
    if not name.strip():
        raise ValidationError("Give the scorecard a name.")
    if not any(s.get("criteria") for s in sections):
        raise ValidationError("A scorecard needs at least one criterion.")


@transaction.atomic
def scorecard_draft_save(
    *,
    scorecard: Scorecard | None,
    name: str,
    description: str,
    sections: Sequence[Mapping],
    by,
) -> ScorecardVersion:
    """Save `sections` as the scorecard's draft: its open draft is rewritten in place; with
    none (only published versions, which never change), a new draft version is started."""
    _check(name, sections)
    taken = Scorecard.objects.filter(name=name.strip())
    if scorecard is not None:
        taken = taken.exclude(pk=scorecard.pk)
    if taken.exists():
        raise ValidationError(f"There is already a scorecard named “{name.strip()}”.")
    if scorecard is None:
        scorecard = Scorecard.objects.create(name=name.strip(), description=description)
    else:
        scorecard = Scorecard.objects.select_for_update().get(pk=scorecard.pk)
    latest = scorecard.versions.order_by("-number").first()
    before = version_snapshot(latest)
    scorecard.name, scorecard.description = name.strip(), description
    scorecard.full_clean()
    scorecard.save()
    if latest is not None and latest.published_at is None:
        draft = latest
        draft.sections.all().delete()
    else:
        number = latest.number + 1 if latest else 1
        draft = ScorecardVersion.objects.create(scorecard=scorecard, number=number, created_by=by)
    scorecard_sections_write(version=draft, sections=sections)
    setting_audit(
        by=by, target=scorecard, section=SECTION, before=before, after=version_snapshot(draft)
    )
    return draft


@transaction.atomic
def scorecard_version_publish(*, version: ScorecardVersion, by) -> ScorecardVersion:
    """Publish a draft: reviewers get it from now on; it never changes again."""
    version = ScorecardVersion.objects.select_for_update().get(pk=version.pk)
    if version.published_at is not None:
        raise ValidationError(f"Version {version.number} is already published.")
    if not version.sections.filter(criteria__isnull=False).exists():
        raise ValidationError("A scorecard needs at least one criterion.")
    before = version_snapshot(version)
    version.published_at = timezone.now()
    version.save(update_fields=["published_at"])
    setting_audit(
        by=by,
        target=version.scorecard,
        section=SECTION,
        before=before,
        after=version_snapshot(version),
    )
    return version


@transaction.atomic
def qa_queue_pull(*, ticket: Ticket, by) -> QAQueueItem:
    """Put a ticket the reviewer may review into the QA queue (reason: pulled)."""
    if not can_review(by, ticket):
        raise PermissionDenied("You may not review this ticket (your own, or out of scope).")
    waiting = QAQueueItem.objects.filter(ticket=ticket, done_at__isnull=True).first()
    if waiting is not None:
        raise ValidationError(
            f"{ticket.reference} is already waiting in the QA queue "
            f"({waiting.get_reason_display().lower()})."
        )
    today = timezone.localdate()
    item, _ = QAQueueItem.objects.update_or_create(
        ticket=ticket,
        reason=QAQueueItem.Reason.PULLED,
        defaults={
            "agent_id": ticket.assignee_id,
            "team_id": ticket.team_id,
            "week": today - timedelta(days=today.weekday()),
            "pulled_by": by,
            "done_at": None,
        },
    )
    return item
