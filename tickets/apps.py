from django.apps import AppConfig
from django.contrib.auth.signals import user_logged_in

from core.cache import wire


class TicketsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "tickets"

    def ready(self):
        # Not at the top: these modules use the models, which exist only once apps are ready.
        from . import caches, selectors

        # Each cached read moves with the writes its table declares (tickets/caches.py).
        wire(caches.CACHED_READS)

        def warm_unread_count(sender, request, user, **kwargs):
            """A sign-in puts the person's unread notifications count in the cache, so their
            pages read the nav badge without a query (see tickets/caches.py)."""
            selectors.notifications_unread_count(user=user)

        user_logged_in.connect(
            warm_unread_count, weak=False, dispatch_uid="notifications-unread-at-login"
        )
