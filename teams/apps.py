from django.apps import AppConfig
from django.db.models.signals import post_migrate

from core.cache import wire

# Role groups carry permissions of these apps; each app's permissions exist only after its
# own post_migrate, so the groups are synced again after each of them.
APPS_WITH_ROLE_PERMISSIONS = {"teams", "tickets", "metrics"}


class TeamsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "teams"

    def ready(self):
        # Not at the top: these modules use the models, which exist only once apps are ready.
        from . import caches, services, signals

        def sync_role_groups(sender, **kwargs):
            if sender.label in APPS_WITH_ROLE_PERMISSIONS:
                services.roles_sync_groups()

        # Roles are groups whose permissions are data; keep them in step after each migrate.
        post_migrate.connect(sync_role_groups, weak=False, dispatch_uid="teams-sync-role-groups")
        # Each cached read moves with the writes its table declares (teams/caches.py).
        wire(caches.CACHED_READS)
        # Logins, logouts and Django admin changes go to the audit trail (teams/signals.py).
        signals.connect()
