"""Coaching reads, always through teams.permissions' coaching scope."""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q, QuerySet

from ..models import ActionItem, CoachingSession, FeedbackNote
from ..permissions import coaching_sessions_visible_to, feedback_visible_to


def coaching_sessions_for(*, user, associate_user=None) -> QuerySet[CoachingSession]:
    """Sessions the user may see (optionally only one associate's), with items and people."""
    qs = coaching_sessions_visible_to(user)
    if associate_user is not None:
        qs = qs.filter(associate__user=associate_user)
    return (
        qs.select_related("coach", "associate__user", "team")
        .prefetch_related(
            Prefetch("items", queryset=ActionItem.objects.order_by("done", "due_date", "pk"))
        )
        .annotate(open_items=Count("items", filter=Q(items__done=False)))
    )


def feedback_for(*, user, associate_user=None) -> QuerySet[FeedbackNote]:
    qs = feedback_visible_to(user)
    if associate_user is not None:
        qs = qs.filter(associate__user=associate_user)
    return qs.select_related("author", "associate__user", "team")
