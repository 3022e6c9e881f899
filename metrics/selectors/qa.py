"""Reads for the QA pages, scoped through the tickets' and reviews' visible_to."""

from __future__ import annotations

from statistics import pstdev

from django.db.models import Prefetch, QuerySet

from tickets.models import Message, Ticket

from ..models import (
    Criterion,
    QAQueueItem,
    QAReview,
    Scorecard,
    ScorecardSection,
    ScorecardVersion,
)


def qa_queue(*, user, limit: int = 200) -> QuerySet[QAQueueItem]:
    return (
        QAQueueItem.objects.visible_to(user)
        .waiting()
        .select_related("ticket__category", "agent", "team", "pulled_by")
        .order_by("week", "pk")[:limit]
    )


def ticket_with_thread(*, user, pk: int) -> Ticket:
    """A visible ticket with its whole thread (notes included), read-only for reviewers."""
    return (
        Ticket.objects.visible_to(user)
        .select_related("category", "team", "assignee", "requester")
        .prefetch_related(
            Prefetch(
                "messages",
                queryset=Message.objects.select_related("author_user", "author_requester"),
            )
        )
        .get(pk=pk)
    )


def current_versions() -> list[ScorecardVersion]:
    """The latest published version of each active scorecard (drafts are not offered)."""
    versions = ScorecardVersion.objects.filter(
        scorecard__active=True, published_at__isnull=False
    ).select_related("scorecard")
    latest: dict[int, ScorecardVersion] = {}
    for v in versions.order_by("scorecard__name", "-number"):
        latest.setdefault(v.scorecard_id, v)
    return list(latest.values())


def version_with_criteria(*, pk: int) -> ScorecardVersion:
    return (
        ScorecardVersion.objects.select_related("scorecard")
        .prefetch_related(
            Prefetch(
                "sections",
                queryset=ScorecardSection.objects.prefetch_related(
                    Prefetch("criteria", queryset=Criterion.objects.order_by("position", "pk"))
                ),
            )
        )
        .get(pk=pk)
    )


def reviews_visible(*, user) -> QuerySet[QAReview]:
    return QAReview.objects.visible_to(user).select_related(
        "ticket", "reviewer", "agent", "version__scorecard"
    )


def review_detail(*, user, pk: int) -> QAReview:
    return reviews_visible(user=user).prefetch_related("answers__criterion__section").get(pk=pk)


def open_disputes(*, user) -> QuerySet[QAReview]:
    return reviews_visible(user=user).filter(response=QAReview.Response.DISPUTED)


def calibration(*, user, ticket: Ticket) -> dict:
    """Every counted review of one ticket side by side: per criterion the reviewers' values
    and their spread (max − min on the 0-100 scale), and the spread of the scores."""
    reviews = list(
        reviews_visible(user=user)
        .filter(ticket=ticket)
        .prefetch_related("answers__criterion__section")
        .order_by("submitted_at")
    )
    rows: dict[int, dict] = {}
    for r in reviews:
        for a in r.answers.all():
            c = a.criterion
            row = rows.setdefault(
                c.pk, {"criterion": c, "version": r.version_id, "values": {}, "norm": []}
            )
            row["values"][r.pk] = a.value
            if a.value is not None:
                lo, hi = c.bounds
                row["norm"].append((a.value - lo) / (hi - lo) * 100)
    for row in rows.values():
        row["cells"] = [row["values"].get(r.pk, "") for r in reviews]
        row["spread"] = (max(row["norm"]) - min(row["norm"])) if len(row["norm"]) > 1 else None
    scores = [r.score for r in reviews if r.status == QAReview.Status.SUBMITTED]
    return {
        "reviews": reviews,
        "rows": sorted(
            rows.values(),
            key=lambda x: (x["version"], x["criterion"].section.position, x["criterion"].position),
        ),
        "score_spread": (max(scores) - min(scores)) if len(scores) > 1 else None,
        "score_stdev": pstdev(scores) if len(scores) > 1 else None,
        "mean": sum(scores) / len(scores) if scores else None,
    }


def scorecards_with_versions() -> QuerySet[Scorecard]:
    """Every scorecard with its versions (newest first), for the scorecard editor's list."""
    return Scorecard.objects.prefetch_related(
        Prefetch("versions", queryset=ScorecardVersion.objects.order_by("-number"))
    ).order_by("name")


def last_sampled_week(*, user):
    """The Monday of the most recent weekly sample the viewer can see, or None."""
    return (
        QAQueueItem.objects.visible_to(user)
        .filter(reason=QAQueueItem.Reason.SAMPLE)
        .order_by("-week")
        .values_list("week", flat=True)
        .first()
    )
