"""QA writes: scorecards and their versions, reviews, responses and disputes, sampling."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from core.effects import after_commit
from teams.models import Role
from tickets.models import Ticket

from ..models import (
    Criterion,
    QAAnswer,
    QAQueueItem,
    QAReview,
    Scorecard,
    ScorecardSection,
    ScorecardVersion,
)
from ..permissions import can_resolve_dispute, can_review

ESCALATED_TAG = "escalated"


def qa_score(answers: Sequence[tuple[Criterion, int | None]]) -> tuple[float, bool]:
    """(score 0-100, auto_failed) per DESIGN.md: each answered criterion scores
    (value − min) ÷ (max − min) × 100; the review is their weighted mean (N/A left out); a
    failed auto-fail criterion (its scale's minimum) makes it 0. All N/A scores 100."""
    total = weights = 0.0
    for criterion, value in answers:
        if value is None:
            continue
        lo, hi = criterion.bounds
        if criterion.auto_fail and value == lo:
            return 0.0, True
        total += criterion.weight * (value - lo) / (hi - lo) * 100
        weights += criterion.weight
    return (total / weights if weights else 100.0), False


@transaction.atomic
def scorecard_publish(
    *, name: str, sections: Sequence[Mapping], by=None, description: str = ""
) -> ScorecardVersion:
    """Create the scorecard (or find it by name) and publish `sections` as its next version.

    `sections`: [{"title": str, "criteria": [{"text", "scale", "weight", "auto_fail"}...]}].
    Earlier versions stay untouched, so reviews keep the criteria they were scored on.
    """
    if not sections or not any(s.get("criteria") for s in sections):
        raise ValidationError("A scorecard needs at least one criterion.")
    card, _ = Scorecard.objects.get_or_create(name=name, defaults={"description": description})
    last = card.versions.order_by("-number").first()
    version = ScorecardVersion.objects.create(
        scorecard=card,
        number=(last.number + 1) if last else 1,
        created_by=by,
        published_at=timezone.now(),
    )
    scorecard_sections_write(version=version, sections=sections)
    return version


def scorecard_sections_write(*, version: ScorecardVersion, sections: Sequence[Mapping]) -> None:
    """Write `sections` (see scorecard_publish) onto `version`, a new or a draft version."""
    for i, spec in enumerate(sections):
        section = ScorecardSection.objects.create(version=version, title=spec["title"], position=i)
        for j, c in enumerate(spec.get("criteria", [])):
            if int(c.get("weight", 1)) < 1:
                raise ValidationError(f"Weight of {c['text']!r} must be at least 1.")
            Criterion.objects.create(
                section=section,
                text=c["text"],
                help_text=c.get("help_text", ""),
                scale=c.get("scale", Criterion.Scale.YES_NO),
                weight=int(c.get("weight", 1)),
                auto_fail=bool(c.get("auto_fail", False)),
                position=j,
            )


def _criteria(version: ScorecardVersion) -> list[Criterion]:
    return list(Criterion.objects.filter(section__version=version).select_related("section"))


@transaction.atomic
def qa_review_submit(
    *,
    ticket: Ticket,
    version: ScorecardVersion,
    reviewer,
    answers: Mapping[int, int | None],
    comment: str = "",
) -> QAReview:
    """Score `ticket` on `version`; every criterion needs a value (None = N/A where allowed).

    Credits the ticket's assignee, closes the ticket's QA queue items and refreshes the
    rollup day. Several reviewers may review the same ticket (calibration).
    """
    if not can_review(reviewer, ticket):
        raise PermissionDenied("You may not review this ticket.")
    if version.published_at is None:
        raise ValidationError("This scorecard version is a draft: publish it before reviewing.")
    criteria = _criteria(version)
    chosen: list[tuple[Criterion, int | None]] = []
    for c in criteria:
        if c.pk not in answers:
            raise ValidationError(f"Answer “{c.text}”.")
        value = answers[c.pk]
        lo, hi = c.bounds
        if value is None and not c.allows_na:
            raise ValidationError(f"“{c.text}” cannot be N/A.")
        if value is not None and not lo <= value <= hi:
            raise ValidationError(f"“{c.text}” takes {lo}–{hi}.")
        chosen.append((c, value))
    score, failed = qa_score(chosen)
    now = timezone.now()
    review = QAReview.objects.create(
        ticket=ticket,
        version=version,
        reviewer=reviewer,
        agent_id=ticket.assignee_id,
        team_id=ticket.team_id,
        score=score,
        auto_failed=failed,
        comment=comment.strip(),
        submitted_at=now,
    )
    QAAnswer.objects.bulk_create(QAAnswer(review=review, criterion=c, value=v) for c, v in chosen)
    QAQueueItem.objects.filter(ticket=ticket, done_at__isnull=True).update(done_at=now)
    _refresh_day(now)
    return review


def _refresh_day(at: datetime) -> None:
    """After commit, rebuild the rollups of the review's UTC day (metrics.tasks)."""
    day = at.astimezone(UTC).date().isoformat()
    after_commit("metrics.tasks.rollups_rebuild_days", args=([day],))


@transaction.atomic
def qa_review_respond(*, review: QAReview, by, acknowledge: bool, comment: str = "") -> QAReview:
    """The reviewed associate acknowledges the review, or disputes it (a comment is required)."""
    review = QAReview.objects.select_for_update().get(pk=review.pk)
    if review.agent_id != by.pk:
        raise PermissionDenied("Only the associate reviewed may respond to this review.")
    if review.response not in ("", QAReview.Response.ACKNOWLEDGED):
        raise ValidationError("This review was already disputed.")
    if not acknowledge and not comment.strip():
        raise ValidationError("Say what you dispute in a comment.")
    review.response = QAReview.Response.ACKNOWLEDGED if acknowledge else QAReview.Response.DISPUTED
    review.response_comment = comment.strip()
    review.responded_at = timezone.now()
    review.save(update_fields=["response", "response_comment", "responded_at"])
    return review


@transaction.atomic
def qa_dispute_resolve(*, review: QAReview, by, uphold: bool, comment: str) -> QAReview:
    """A lead settles a dispute: upheld voids the review; rejected keeps it counting."""
    review = QAReview.objects.select_for_update().select_related("ticket").get(pk=review.pk)
    if not can_resolve_dispute(by, review):
        raise PermissionDenied("Only a lead of the ticket's team may resolve this dispute.")
    if review.response != QAReview.Response.DISPUTED:
        raise ValidationError("There is no open dispute on this review.")
    if not comment.strip():
        raise ValidationError("Explain the decision in a comment.")
    review.response = QAReview.Response.UPHELD if uphold else QAReview.Response.REJECTED
    review.resolution_comment = comment.strip()
    review.resolved_by = by
    review.resolved_at = timezone.now()
    if uphold:
        review.status = QAReview.Status.VOID
    review.save()
    _refresh_day(review.submitted_at)
    return review


def _week_bounds(week: date) -> tuple[datetime, datetime]:
    monday = week - timedelta(days=week.weekday())
    lo = datetime.combine(monday, datetime.min.time(), tzinfo=UTC)
    return lo, lo + timedelta(days=7)


@transaction.atomic
def qa_sample_week(*, week: date, size: int, seed: int | None = None) -> int:
    """Fill the QA queue for the week containing `week` (UTC, Monday-based): `size` random
    tickets solved that week per associate, plus every ticket tagged "escalated" that changed
    that week. Safe to run twice (a ticket is queued once per reason). Returns items added."""
    if size < 0:
        raise ValidationError("Sample size cannot be negative.")
    lo, hi = _week_bounds(week)
    monday = lo.date()
    rng = random.Random(seed if seed is not None else monday.toordinal())  # noqa: S311
    queued = set(
        QAQueueItem.objects.filter(ticket__updated_at__gte=lo).values_list("ticket_id", "reason")
    )
    items = []
    solved = (
        Ticket.objects.filter(status__in=Ticket.DONE, solved_at__gte=lo, solved_at__lt=hi)
        .filter(assignee__agent__role=Role.ASSOCIATE)
        .order_by("pk")
        .values_list("pk", "assignee_id", "team_id")
    )
    by_agent: dict[int, list[tuple[int, int | None]]] = {}
    for pk, agent, team in solved:
        if (pk, QAQueueItem.Reason.SAMPLE) not in queued:
            by_agent.setdefault(agent, []).append((pk, team))
    sampled = dict(
        QAQueueItem.objects.filter(reason=QAQueueItem.Reason.SAMPLE, week=monday)
        .order_by()
        .values_list("agent_id")
        .annotate(n=Count("pk"))
    )
    for agent, tickets in sorted(by_agent.items()):
        want = max(0, size - sampled.get(agent, 0))
        for ticket_id, team_id in rng.sample(tickets, min(want, len(tickets))):
            items.append(
                QAQueueItem(
                    ticket_id=ticket_id,
                    agent_id=agent,
                    team_id=team_id,
                    reason=QAQueueItem.Reason.SAMPLE,
                    week=monday,
                )
            )
    escalated = (
        Ticket.objects.filter(tags__name=ESCALATED_TAG, updated_at__gte=lo, updated_at__lt=hi)
        .order_by("pk")
        .values_list("pk", "assignee_id", "team_id")
        .distinct()
    )
    for pk, agent, team in escalated:
        if (pk, QAQueueItem.Reason.ESCALATED) not in queued:
            items.append(
                QAQueueItem(
                    ticket_id=pk,
                    agent_id=agent,
                    team_id=team,
                    reason=QAQueueItem.Reason.ESCALATED,
                    week=monday,
                )
            )
    QAQueueItem.objects.bulk_create(items, ignore_conflicts=True)
    return len(items)
