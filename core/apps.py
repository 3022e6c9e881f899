from django.apps import AppConfig

from .cache import keep_versions_per_request


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Frontline core"

    def ready(self):
        # Each web request reads the cache versions it needs in one round trip.
        keep_versions_per_request()
