from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _sync_role_groups(sender, **kwargs):
    from .services import roles_sync_groups

    roles_sync_groups()


class TeamsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "teams"

    def ready(self):
        # Roles are groups whose permissions are data; keep them in step after each migrate.
        post_migrate.connect(_sync_role_groups, sender=self, dispatch_uid="teams-sync-role-groups")
