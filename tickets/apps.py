from django.apps import AppConfig


class TicketsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "tickets"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from core.cache import wire

        from . import caches
        from .selectors import notifications_unread_count

        # Each cached read moves with the writes its table declares (tickets/caches.py).
        wire(caches.CACHED_READS)

        def warm_unread_count(sender, request, user, **kwargs):
            """A sign-in puts the person's unread notifications count in the cache, so their
            pages read the nav badge without a query (see tickets/caches.py)."""
            notifications_unread_count(user=user)

        user_logged_in.connect(
            warm_unread_count, weak=False, dispatch_uid="notifications-unread-at-login"
        )
