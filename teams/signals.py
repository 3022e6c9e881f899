"""Audit-trail receivers for events raised by Django itself (third-party code for us): logins,
logouts, failed logins, and changes made in the Django admin to users, groups and people.
Frontline's own writes call `teams.services.audit_record` directly. (What writes forget which
cached values is declared in teams/caches.py, not here.)"""

from __future__ import annotations

from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_delete, post_save

from .middleware import mark_session_fresh
from .models import AuditEntry
from .services.audit import audit_record, current_request

# Admin changes to these models change who may do what; they are audited.
ADMIN_AUDITED = {"auth.user", "auth.group", "teams.agent", "teams.team"}


def on_login(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        mark_session_fresh(request.session)
    audit_record(actor=user, action=AuditEntry.Action.LOGIN, target=user, request=request)


def on_logout(sender, request, user, **kwargs):
    if user is not None:
        audit_record(actor=user, action=AuditEntry.Action.LOGOUT, target=user, request=request)


def on_login_failed(sender, credentials, request=None, **kwargs):
    # Django has already replaced the password with asterisks; keep only the name tried.
    username = str(credentials.get("username") or credentials.get("email") or "")[:150]
    audit_record(
        actor=None,
        action=AuditEntry.Action.LOGIN_FAILED,
        detail={"username": username},
        request=request,
    )


def on_admin_log(sender, instance: LogEntry, created, **kwargs):
    """The admin writes one LogEntry per single-object add/change/delete."""
    if not created or instance.content_type_id is None:
        return
    label = f"{instance.content_type.app_label}.{instance.content_type.model}"
    if label not in ADMIN_AUDITED:
        return
    verb = {ADDITION: "added", CHANGE: "changed"}.get(instance.action_flag, "deleted")
    if verb == "deleted":
        return  # recorded by on_delete (the admin logs bulk deletions without signals)
    audit_record(
        actor=instance.user,
        action=AuditEntry.Action.ADMIN_CHANGE,
        target=(label, instance.object_id, instance.object_repr),
        detail={"model": label, "change": verb, "message": instance.get_change_message()},
    )


def on_delete(sender, instance, **kwargs):
    """A user or group deleted (admin or elsewhere) is a permission change."""
    request = current_request.get()
    actor = getattr(request, "user", None)
    audit_record(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=AuditEntry.Action.ADMIN_CHANGE,
        target=(sender._meta.label_lower, instance.pk, str(instance)),
        detail={"model": sender._meta.label_lower, "change": "deleted"},
    )


def connect() -> None:
    user_logged_in.connect(on_login, dispatch_uid="audit-login")
    user_logged_out.connect(on_logout, dispatch_uid="audit-logout")
    user_login_failed.connect(on_login_failed, dispatch_uid="audit-login-failed")
    post_save.connect(on_admin_log, sender=LogEntry, dispatch_uid="audit-admin-log")
    post_delete.connect(on_delete, sender=get_user_model(), dispatch_uid="audit-user-deleted")
    post_delete.connect(on_delete, sender=Group, dispatch_uid="audit-group-deleted")
