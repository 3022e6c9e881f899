from django.apps import AppConfig


class TicketsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "tickets"

    def ready(self):
        # Cached routing rules are forgotten on any write to them (tickets/signals.py).
        from . import signals

        signals.connect()
