"""The audit trail: an append-only record of security-relevant actions (logins, permission
changes, exports, restricted views, erasures, retention runs).

Rows are written once by `teams.services.audit_record` and never changed: the model and its
queryset refuse update and delete, and on PostgreSQL a trigger refuses UPDATE and DELETE
(teams/migrations/0007_audit_entry.py). An entry never holds a requester's personal data —
targets are named by type and id, and an erased address is kept only as a hash — so erasure
never has to touch this table.
"""

from django.conf import settings
from django.db import models


class AppendOnlyError(Exception):
    """Audit entries are written once; changing or deleting one is refused."""


class AuditQuerySet(models.QuerySet):
    """Reads only: bulk update and delete raise AppendOnlyError."""

    def update(self, **kwargs):
        raise AppendOnlyError("The audit trail is append-only.")

    def delete(self):
        raise AppendOnlyError("The audit trail is append-only.")

    update.queryset_only = True
    delete.queryset_only = True

    def between(self, start, end):
        """Entries from `start` (inclusive) to `end` (exclusive); either may be None."""
        qs = self
        if start is not None:
            qs = qs.filter(at__gte=start)
        if end is not None:
            qs = qs.filter(at__lt=end)
        return qs


class AuditEntry(models.Model):
    """Who did what to which target, when, from where. Written once, never changed."""

    class Action(models.TextChoices):
        LOGIN = "login", "Logged in"
        LOGIN_FAILED = "login_failed", "Login failed"
        LOGOUT = "logout", "Logged out"
        AGENT_CREATE = "agent_create", "Agent created"
        ROLE_CHANGE = "role_change", "Role changed"
        CLEARANCE_CHANGE = "clearance_change", "Clearance changed"
        TEAM_MOVE = "team_move", "Team changed"
        ADMIN_CHANGE = "admin_change", "Changed in Django admin"
        EXPORT = "export", "Export downloaded"
        REPORT_RUN = "report_run", "Scheduled report produced"
        RESTRICTED_VIEW = "restricted_view", "Restricted ticket viewed"
        MEDIA_REVEAL = "media_reveal", "Sensitive media revealed"
        REQUESTER_ERASE = "requester_erase", "Requester erased"
        RETENTION_RUN = "retention_run", "Retention run"
        AUDIT_EXPORT = "audit_export", "Audit trail exported"
        EXPOSURE_OVERRIDE = "exposure_override", "Exposure rule overridden"
        EXPOSURE_CONSENT = "exposure_consent", "Consent to sensitive work changed"
        EXPOSURE_SETTINGS = "exposure_settings", "Team exposure settings changed"
        LEGAL_HOLD_PLACE = "legal_hold_place", "Legal hold placed"
        LEGAL_HOLD_RELEASE = "legal_hold_release", "Legal hold released"
        AUTHORITY_REPORT_VIEW = "authority_report_view", "Authority report viewed"
        AUTHORITY_REPORT_SAVE = "authority_report_save", "Authority report saved"
        AUTHORITY_REPORT_EXPORT = "authority_report_export", "Authority report exported"
        AUTHORITY_REPORT_FILE = "authority_report_file", "Authority report filed"
        RISK_PHRASES_CHANGE = "risk_phrases_change", "Imminent-risk phrases changed"
        SETTING_CHANGE = "setting_change", "Setting changed"

    at = models.DateTimeField(db_index=True)
    # No database constraint and no cascade: deleting a user must not try to rewrite (or
    # delete) their audit history; `actor_label` keeps the username as it was.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor_label = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=32, choices=Action.choices)
    target_type = models.CharField(max_length=64, blank=True, help_text="app_label.model")
    target_id = models.CharField(max_length=64, blank=True)
    target_label = models.CharField(max_length=200, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name_plural = "audit entries"
        indexes = [
            models.Index(fields=["action", "at"], name="audit_action_at"),
            models.Index(fields=["actor", "at"], name="audit_actor_at"),
            models.Index(fields=["target_type", "target_id"], name="audit_target"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label or '-'} {self.action}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("The audit trail is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("The audit trail is append-only.")

    @property
    def target(self) -> str:
        return self.target_label or (
            f"{self.target_type} #{self.target_id}" if self.target_id else ""
        )
