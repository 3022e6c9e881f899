from django.apps import AppConfig
from django.db.models.signals import post_migrate

# Role groups carry permissions of these apps; each app's permissions exist only after its
# own post_migrate, so the groups are synced again after each of them.
APPS_WITH_ROLE_PERMISSIONS = {"teams", "tickets", "metrics"}


def _sync_role_groups(sender, **kwargs):
    if sender.label not in APPS_WITH_ROLE_PERMISSIONS:
        return
    from .services import roles_sync_groups

    roles_sync_groups()


class TeamsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "teams"

    def ready(self):
        from core.cache import wire

        from . import caches, signals

        # Roles are groups whose permissions are data; keep them in step after each migrate.
        post_migrate.connect(_sync_role_groups, dispatch_uid="teams-sync-role-groups")
        # Each cached read moves with the writes its table declares (teams/caches.py).
        wire(caches.CACHED_READS)
        # Logins, logouts and Django admin changes go to the audit trail (teams/signals.py).
        signals.connect()
