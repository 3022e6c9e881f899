"""Audit-trail receivers for events raised by Django itself (third-party code for us): logins,
logouts, failed logins, and changes made in the Django admin to users, groups and people.
Frontline's own writes call `teams.services.audit_record` directly.

Also cache invalidation: any write to a rota, or to an agent's team, status or time zone,
forgets the cached "who is on shift" answers (teams.selectors.rota.teams_on_shift); any write
to group memberships, permissions or a user's active/superuser flag forgets the cached
permission sets (teams.backends), any write to a user, agent, team or vendor the cached
signed-in users (teams.backends), and any write to an authenticator the cached "has one"
answers (teams.permissions.has_authenticator)."""

from __future__ import annotations

from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from core.cache import cache_version_bump

from .backends import PERMISSIONS_VERSION, USER_VERSION, forget_permissions, forget_user
from .models import (
    Agent,
    AuditEntry,
    PolicyAcknowledgement,
    PolicyArticle,
    PolicyVersion,
    ShiftException,
    ShiftTemplate,
    Team,
    TimeOff,
    Vendor,
)
from .permissions import AUTHENTICATORS_VERSION
from .selectors.policy import PENDING_VERSION
from .services.audit import audit_record

# Admin changes to these models change who may do what; they are audited.
ADMIN_AUDITED = {"auth.user", "auth.group", "teams.agent", "teams.team"}


def on_login(sender, request, user, **kwargs):
    from .middleware import mark_session_fresh

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
    from .services.audit import current_request

    request = current_request.get()
    actor = getattr(request, "user", None)
    audit_record(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=AuditEntry.Action.ADMIN_CHANGE,
        target=(sender._meta.label_lower, instance.pk, str(instance)),
        detail={"model": sender._meta.label_lower, "change": "deleted"},
    )


# Agent fields that decide whether the agent counts as on shift for a team.
ON_SHIFT_FIELDS = {"team", "team_id", "status", "time_zone"}


def on_rota_write(sender, instance, **kwargs):
    from .selectors.rota import on_shift_changed

    update_fields = kwargs.get("update_fields")
    if sender is Agent and update_fields is not None and not ON_SHIFT_FIELDS & set(update_fields):
        return  # presence and the like: every few minutes per agent, and no bearing on shifts
    on_shift_changed()


# User fields that change what ModelBackend answers (a login saves only last_login).
PERMISSION_USER_FIELDS = {"is_active", "is_superuser"}


def on_permissions_write(sender, instance=None, **kwargs):
    """Group memberships, permissions or a user's active/superuser flag changed: forget the
    cached permission sets it touches (teams.backends) — one user's, or everyone's when a group
    or a permission itself changed."""
    update_fields = kwargs.get("update_fields")
    if update_fields is not None and not PERMISSION_USER_FIELDS & set(update_fields):
        return
    if isinstance(instance, get_user_model()):
        forget_permissions(instance.pk)
    else:
        cache_version_bump(PERMISSIONS_VERSION)


def on_person_write(sender, instance, **kwargs):
    """A user or an agent profile was written: the cached signed-in user (teams.backends)."""
    forget_user(instance.user_id if isinstance(instance, Agent) else instance.pk)


def on_organisation_write(sender, **kwargs):
    """A team or vendor was written: every cached signed-in user carries theirs."""
    cache_version_bump(USER_VERSION)


def on_policy_write(sender, **kwargs):
    """An acknowledgement, policy version or article was written: the pending-policy banners
    (teams.selectors.policy.pending_policy_banner)."""
    cache_version_bump(PENDING_VERSION)


def on_authenticator_write(sender, **kwargs):
    """An authenticator was added, confirmed or removed (teams.permissions.has_authenticator)."""
    cache_version_bump(AUTHENTICATORS_VERSION)


def on_migrate(sender, **kwargs):
    # A migration may have moved permissions through historical models, which send no
    # signal the receivers above hear.
    cache_version_bump(PERMISSIONS_VERSION)
    cache_version_bump(AUTHENTICATORS_VERSION)


def connect() -> None:
    from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
    from django.db.models.signals import post_delete, post_save

    user_logged_in.connect(on_login, dispatch_uid="audit-login")
    user_logged_out.connect(on_logout, dispatch_uid="audit-logout")
    user_login_failed.connect(on_login_failed, dispatch_uid="audit-login-failed")
    post_save.connect(on_admin_log, sender=LogEntry, dispatch_uid="audit-admin-log")
    post_delete.connect(on_delete, sender=get_user_model(), dispatch_uid="audit-user-deleted")
    post_delete.connect(on_delete, sender=Group, dispatch_uid="audit-group-deleted")
    from django.contrib.auth.models import Permission
    from django.db.models.signals import m2m_changed, post_migrate
    from django_otp.plugins.otp_totp.models import TOTPDevice

    User = get_user_model()
    for through in (User.groups.through, User.user_permissions.through, Group.permissions.through):
        m2m_changed.connect(on_permissions_write, sender=through, dispatch_uid=f"perms-{through}")
    for model in (User, Group, Permission):
        uid = f"perms-{model._meta.label_lower}"
        post_save.connect(on_permissions_write, sender=model, dispatch_uid=f"{uid}-saved")
        post_delete.connect(on_permissions_write, sender=model, dispatch_uid=f"{uid}-deleted")
    post_save.connect(on_authenticator_write, sender=TOTPDevice, dispatch_uid="otp-saved")
    post_delete.connect(on_authenticator_write, sender=TOTPDevice, dispatch_uid="otp-deleted")
    post_migrate.connect(on_migrate, dispatch_uid="perms-after-migrate")
    for model in (User, Agent):
        uid = f"signed-in-{model._meta.model_name}"
        post_save.connect(on_person_write, sender=model, dispatch_uid=f"{uid}-saved")
        post_delete.connect(on_person_write, sender=model, dispatch_uid=f"{uid}-deleted")
    for model in (PolicyAcknowledgement, PolicyVersion, PolicyArticle):
        uid = f"pending-policies-{model._meta.model_name}"
        post_save.connect(on_policy_write, sender=model, dispatch_uid=f"{uid}-saved")
        post_delete.connect(on_policy_write, sender=model, dispatch_uid=f"{uid}-deleted")
    for model in (Team, Vendor):
        uid = f"signed-in-{model._meta.model_name}"
        post_save.connect(on_organisation_write, sender=model, dispatch_uid=f"{uid}-saved")
        post_delete.connect(on_organisation_write, sender=model, dispatch_uid=f"{uid}-deleted")
    for model in (Agent, Team, ShiftTemplate, ShiftException, TimeOff):
        uid = f"on-shift-{model._meta.model_name}"
        post_save.connect(on_rota_write, sender=model, dispatch_uid=f"{uid}-saved")
        post_delete.connect(on_rota_write, sender=model, dispatch_uid=f"{uid}-deleted")
