"""Template context from tickets for every page: the unread-notifications badge and whether
the Settings entry shows in the navigation."""

from functools import cache

from .permissions import can_open_settings
from .selectors import UNREAD_CAP, notifications_unread_count


def notifications(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    @cache
    def unread() -> str:
        """Called by the template only where the nav renders it: a cache read, at most one
        indexed COUNT."""
        count = notifications_unread_count(user=user)
        return f"{UNREAD_CAP - 1}+" if count >= UNREAD_CAP else str(count) if count else ""

    return {"unread_notifications": unread, "nav_settings": can_open_settings(user)}
