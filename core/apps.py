from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Frontline core"

    def ready(self):
        from .cache import keep_versions_per_request

        # Each web request reads the cache versions it needs in one round trip.
        keep_versions_per_request()
