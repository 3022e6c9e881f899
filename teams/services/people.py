"""Writes on people: role groups, agent profiles."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from ..models import Agent, AuditEntry, Role, Sensitivity, Team, validate_time_zone
from ..permissions import can_assign_roles, can_edit_team, scope_for
from ..roles import ROLE_PERMISSIONS
from .audit import audit_record
from .policy import policy_request_for_member

User = get_user_model()


@transaction.atomic
def roles_sync_groups() -> dict[str, Group]:
    """Create one group per role and give it exactly the permissions in ROLE_PERMISSIONS.

    Permissions not yet created (an app not migrated) are skipped; run again after migrate.
    """
    groups = {}
    for role, perm_names in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=Role(role).label)
        perms = []
        for name in perm_names:
            app_label, codename = name.split(".")
            perm = Permission.objects.filter(
                content_type__app_label=app_label, codename=codename
            ).first()
            if perm is not None:
                perms.append(perm)
        group.permissions.set(perms)
        groups[role] = group
    return groups


@transaction.atomic
def agent_create(
    *,
    username: str,
    email: str,
    role: str,
    team: Team | None = None,
    first_name: str = "",
    last_name: str = "",
    password: str | None = None,
    by=None,
    **profile,
) -> Agent:
    """Create a user with an agent profile in the role's group. Admins become superusers.
    The grant is audited (`by` None: the system, e.g. a command or the demo)."""
    user = User(username=username, email=email, first_name=first_name, last_name=last_name)
    user.is_staff = role == Role.ADMIN
    user.is_superuser = role == Role.ADMIN
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    agent = Agent.objects.create(user=user, role=role, team=team, **profile)
    agent_set_role(agent=agent, role=role)
    audit_record(
        actor=by,
        action=AuditEntry.Action.AGENT_CREATE,
        target=agent,
        detail={
            "username": username,
            "role": role,
            "team": team.slug if team else None,
            "clearance": agent.clearance,
        },
    )
    _ask_for_team_policies(agent)
    return agent


def _ask_for_team_policies(agent: Agent) -> None:
    """A newcomer to a team is asked to acknowledge the policies already published to it."""

    policy_request_for_member(agent=agent)


@transaction.atomic
def agent_set_role(*, agent: Agent, role: str, by=None) -> Agent:
    """Put the agent in exactly the group of `role` and mirror it on the profile. A change of
    role is audited (`by` None: the system)."""
    groups = (
        roles_sync_groups() if not Group.objects.filter(name=Role(role).label).exists() else None
    )
    group = (groups or {}).get(role) or Group.objects.get(name=Role(role).label)
    role_groups = Group.objects.filter(name__in=[r.label for r in Role])
    agent.user.groups.remove(*role_groups)
    agent.user.groups.add(group)
    agent.user.is_staff = role == Role.ADMIN
    agent.user.is_superuser = role == Role.ADMIN
    agent.user.save(update_fields=["is_staff", "is_superuser"])
    if agent.role != role:
        old = agent.role
        agent.role = role
        agent.save(update_fields=["role"])
        audit_record(
            actor=by,
            action=AuditEntry.Action.ROLE_CHANGE,
            target=agent,
            detail={"username": agent.user.get_username(), "old": old, "new": role},
        )
    return agent


def record_access_changes(by, agent: Agent, before: dict) -> None:
    """Record clearance changes and team moves (what an agent may see follows from both)."""
    name = agent.user.get_username()
    if agent.clearance != before["clearance"]:
        audit_record(
            actor=by,
            action=AuditEntry.Action.CLEARANCE_CHANGE,
            target=agent,
            detail={"username": name, "old": before["clearance"], "new": agent.clearance},
        )
    old_team, new_team = before["team"], agent.team
    if getattr(old_team, "pk", None) != getattr(new_team, "pk", None):
        audit_record(
            actor=by,
            action=AuditEntry.Action.TEAM_MOVE,
            target=agent,
            detail={
                "username": name,
                "old": old_team.slug if old_team else None,
                "new": new_team.slug if new_team else None,
            },
        )


EDITABLE_BY_LEAD = ("skills", "languages", "capacity", "clearance", "status", "time_zone")


@transaction.atomic
def agent_update(*, by, agent: Agent, **changes) -> Agent:
    """Change an agent's profile. Leads of the agent's team may change skills, languages,
    capacity, clearance (never above their own), status and time zone; admins also role and
    team. `by` None means the system. Raises PermissionDenied or ValidationError."""
    if by is not None and not can_edit_team(by, agent.team):
        raise PermissionDenied("You may not edit members of this team.")
    is_admin = by is None or can_assign_roles(by)
    allowed = set(EDITABLE_BY_LEAD) | ({"role", "team"} if is_admin else set())
    refused = set(changes) - allowed
    if refused:
        raise PermissionDenied("You may not change: " + ", ".join(sorted(refused)))
    if "clearance" in changes:
        if changes["clearance"] not in Sensitivity.values:
            raise ValidationError("Unknown clearance.")
        own = scope_for(by).clearance if by is not None else Sensitivity.RESTRICTED
        if Sensitivity.rank(changes["clearance"]) > Sensitivity.rank(own):
            raise PermissionDenied("You cannot grant a clearance above your own.")
    if "time_zone" in changes:
        validate_time_zone(changes["time_zone"])
    if "capacity" in changes and not 0 <= int(changes["capacity"]) <= 100:
        raise ValidationError("Capacity must be between 0 and 100.")
    role = changes.pop("role", None)
    # The stored row, not `agent`: a ModelForm has already copied the new values onto it.
    stored = Agent.objects.select_related("team").get(pk=agent.pk)
    before = {"clearance": stored.clearance, "team": stored.team}
    agent.role = stored.role  # changed (and audited) by agent_set_role below
    for field, value in changes.items():
        setattr(agent, field, value)
    agent.save()
    record_access_changes(by, agent, before)
    if role and role != agent.role:
        agent_set_role(agent=agent, role=role, by=by)
    if "team" in changes or role:
        _ask_for_team_policies(agent)
    return agent
