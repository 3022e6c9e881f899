from django.apps import AppConfig


class MetricsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "metrics"

    def ready(self):
        # Not at the top: these modules use the models, which exist only once apps are ready.
        from tickets.services.privacy import erasure_hook

        from .services.privacy import report_files_scrub

        # tickets never imports metrics: metrics tells tickets' erasure about its own files.
        erasure_hook(report_files_scrub)
