"""What the nav badge and the notifications page read of a user's in-app notices."""

from __future__ import annotations

from django.core.cache import cache
from django.db.models import Count, F

from ..models import Notification

UNREAD_CAP = 100  # the badge shows "99+" beyond; counting stops there
UNREAD_TTL = 15 * 60


def unread_cache_key(user_id: int) -> str:
    return f"tickets:unread-notifications:{user_id}"


def notifications_unread_count(*, user) -> int:
    """The user's unread in-app notices (up to UNREAD_CAP) for the nav badge. Kept in the
    cache, written through by every write to notices (services.notify) and at sign-in, so a
    page reads it without a query; when missing, one COUNT on the (user, read_at) index."""
    key = unread_cache_key(user.pk)
    count = cache.get(key)
    if count is None:
        count = Notification.objects.filter(user=user, read_at__isnull=True)[:UNREAD_CAP].count()
        cache.add(key, count, UNREAD_TTL)  # never over a count a writer has just set
    return count


def notifications_unread_counts(*, user_ids) -> dict[int, int]:
    """Unread notices per user (capped), in one grouped COUNT on the (user, read_at) index."""
    ids = set(user_ids)
    rows = (
        Notification.objects.filter(user_id__in=ids, read_at__isnull=True)
        .values("user_id")
        .annotate(n=Count("pk"))
        .values_list("user_id", "n")
    )
    counts = {u: min(n, UNREAD_CAP) for u, n in rows}
    return {u: counts.get(u, 0) for u in ids}


def notifications_for(*, user, limit: int = 100) -> list[Notification]:
    """The user's latest in-app notices, unread first."""
    return list(
        Notification.objects.filter(user=user)
        .select_related("ticket")
        .order_by(F("read_at").asc(nulls_first=True), "-created_at", "-pk")[:limit]
    )
