"""Whom a user may act for and which rows they may see, decided once.

`scope_for(user)` is the only place that reads role, team, vendor and clearance to decide
access; `scope_filter` (teams.permissions.rows) is the only place that turns a scope into
rows, for tickets, rollups and every other model with a team or a sensitivity (the caller
names its fields, as teams imports neither tickets nor metrics). Pages, API, exports and
tasks all start from these and from the predicates below; which roles a rule admits is one
of teams.roles' named sets.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db.models import Q
from django_otp.plugins.otp_totp.models import TOTPDevice

from .. import roles
from ..caches import AUTHENTICATORS
from ..models import Agent, CoachingSession, FeedbackNote, Role, Sensitivity, Team, Vendor
from .rows import ScopedFields as ScopedFields  # re-exported: callers import teams.permissions
from .rows import scope_filter as scope_filter
from .rows import scope_parts as scope_parts


@dataclass(frozen=True)
class Scope:
    """What one user may see: teams (or all), the sensitivities they are cleared for, PII."""

    user_id: int | None
    role: str | None
    all_teams: bool
    team_ids: frozenset[int]
    vendor_id: int | None
    clearance: str
    can_view_pii: bool

    @property
    def is_staff_member(self) -> bool:
        return self.role is not None

    @property
    def sensitivities(self) -> list[str]:
        return Sensitivity.allowed_for(self.clearance)

    @property
    def every_sensitivity(self) -> bool:
        """Cleared for every sensitivity: a filter on it would keep every row (and cost a
        join to the categories), so scopes leave it out."""
        return len(self.sensitivities) == len(Sensitivity.values)


EMPTY = Scope(None, None, False, frozenset(), None, Sensitivity.NONE, False)


def agent_of(user) -> Agent | None:
    """The user's agent profile or None (cached on the user object by Django)."""
    return _agent(user)


def _agent(user) -> Agent | None:
    """The agent with its team and vendor in one query (every page asks), cached on the user
    as `user.agent` is."""
    related = Agent.user.field.remote_field  # the user's side: `user.agent`
    if not related.is_cached(user):
        agent = Agent.objects.select_related("team__vendor").filter(user_id=user.pk).first()
        if agent is not None:
            Agent.user.field.set_cached_value(agent, user)
        related.set_cached_value(user, agent)
    try:
        return user.agent
    except Agent.DoesNotExist:
        return None


def scope_for(user) -> Scope:
    """The access scope of `user`, computed once per request and cached on the user object."""
    if user is None or not user.is_authenticated or not user.is_active:
        return EMPTY
    cached = getattr(user, "_frontline_scope", None)
    if cached is not None:
        return cached
    scope = _compute(user)
    user._frontline_scope = scope
    return scope


def _compute(user) -> Scope:
    agent = _agent(user)
    if user.is_superuser or (agent and agent.role == Role.ADMIN):
        return Scope(user.pk, Role.ADMIN, True, frozenset(), None, Sensitivity.RESTRICTED, True)
    if agent is None:
        return EMPTY
    own_team = agent.team  # read with the agent (_agent)
    vendor_id = own_team.vendor_id if own_team and own_team.vendor.kind == Vendor.Kind.BPO else None
    teams = Team.objects.all()
    if vendor_id is not None:
        teams = teams.filter(vendor_id=vendor_id)

    all_teams = False
    if agent.role == Role.ASSOCIATE:
        ids = {agent.team_id} if agent.team_id else set()
    elif agent.role == Role.LEAD:
        ids = set(teams.filter(lead=user).values_list("pk", flat=True)) | (
            {agent.team_id} if agent.team_id else set()
        )
    elif agent.role == Role.MANAGER:
        ids = set(teams.filter(manager=user).values_list("pk", flat=True)) | (
            {agent.team_id} if agent.team_id else set()
        )
    elif agent.role == Role.QA_ANALYST:
        ids = set(teams.values_list("pk", flat=True))
        all_teams = vendor_id is None
    else:
        ids = set()
    return Scope(
        user_id=user.pk,
        role=agent.role,
        all_teams=all_teams,
        team_ids=frozenset(i for i in ids if i is not None),
        vendor_id=vendor_id,
        clearance=agent.clearance,
        can_view_pii=user.has_perm("teams.view_pii"),
    )


# --- Predicates --------------------------------------------------------------------------


def teams_for(user):
    """Teams the user may act for, as a queryset."""
    scope = scope_for(user)
    if scope.all_teams:
        return Team.objects.all()
    return Team.objects.filter(pk__in=scope.team_ids)


def agents_visible_to(user):
    """Agents the user may see: those of teams in scope (never another vendor's)."""
    scope = scope_for(user)
    qs = Agent.objects.select_related("user", "team")
    if scope.all_teams:
        return qs
    return qs.filter(team_id__in=scope.team_ids)


def can_view_team_dashboard(user) -> bool:
    """The team dashboard and coverage: supervisors (leads, managers, admins)."""
    return scope_for(user).role in roles.SUPERVISORS


def can_view_overview(user) -> bool:
    """The cross-team overview: managers, QA analysts and admins."""
    return scope_for(user).role in roles.CROSS_TEAM


def home_url_name(user) -> str:
    """Where a user lands after login, by role."""
    return roles.ROLE_HOME.get(scope_for(user).role, "tickets:queue")


def can_import_roster(user) -> bool:
    """The roster import (page and service): leads, for their own teams, and admins."""
    return scope_for(user).role in roles.TEAM_EDITORS


def can_assign_roles(user) -> bool:
    """Changing a person's role or team, and importing anyone but associates: admins only."""
    return scope_for(user).role == Role.ADMIN


def can_edit_team(user, team: Team | None) -> bool:
    """Leads of that team (in scope) and admins may edit its members and their schedules."""
    scope = scope_for(user)
    if scope.role == Role.ADMIN:
        return True
    return scope.role == Role.LEAD and team is not None and team.pk in scope.team_ids


def can_edit_schedule(user, agent: Agent) -> bool:
    """Whoever may edit the agent's team may edit the agent's shifts and time off."""
    return agent.team_id is not None and can_edit_team(user, agent.team)


def can_view_team_exposure(user, team: Team) -> bool:
    """Leads, managers and admins whose scope holds the team see its exposure."""
    scope = scope_for(user)
    if scope.role not in roles.SUPERVISORS:
        return False
    return scope.all_teams or team.pk in scope.team_ids


def can_set_team_exposure(user, team: Team) -> bool:
    """Who sees a team's exposure sets its caps, cool-down and check-in threshold."""
    return can_view_team_exposure(user, team)


def can_override_exposure_at_all(user) -> bool:
    """Is the user of a role that may override the exposure rule (the workspace shows them
    the override reason field)? Which agents, can_override_exposure says."""
    return scope_for(user).role in roles.SUPERVISORS


def can_override_exposure(user, agent: Agent) -> bool:
    """Leads, managers and admins whose scope holds the agent's team may hand them sensitive
    work past a step-out or an exposure cap, with a reason (never past their clearance)."""
    scope = scope_for(user)
    if scope.role not in roles.SUPERVISORS:
        return False
    return scope.all_teams or agent.team_id in scope.team_ids


def _coaching_scope(user, model):
    scope = scope_for(user)
    qs = model.objects.all()
    if scope.role == Role.ADMIN:
        return qs
    if scope.role in roles.SUPERVISORS:
        return qs.filter(Q(team_id__in=scope.team_ids) | Q(associate__user_id=scope.user_id))
    if scope.role is not None:
        return qs.filter(associate__user_id=scope.user_id)
    return qs.none()


def coaching_sessions_visible_to(user):
    """Associates see their own sessions, leads and managers their teams', admins all."""
    return _coaching_scope(user, CoachingSession)


def feedback_visible_to(user):
    """Same rule as coaching sessions."""
    return _coaching_scope(user, FeedbackNote)


def can_log_coaching(user) -> bool:
    """The coaching log, new sessions and feedback notes: supervisors; associates read their
    own coaching instead."""
    return scope_for(user).role in roles.SUPERVISORS


def agents_coachable_by(user):
    """Associates the user may coach (the coaching forms' choices): in their scope, never
    themselves; nobody for those who do not coach."""
    if not can_log_coaching(user):
        return Agent.objects.none()
    return agents_visible_to(user).filter(role=Role.ASSOCIATE).exclude(user=user)


def can_coach(user, associate: Agent) -> bool:
    """Leads, managers and admins whose scope holds the associate's team may coach them."""
    scope = scope_for(user)
    if scope.role == Role.ADMIN:
        return True
    if scope.role not in roles.SUPERVISORS or associate.user_id == scope.user_id:
        return False
    return associate.team_id is not None and associate.team_id in scope.team_ids


def can_edit_coaching(user, session) -> bool:
    """The coach who logged it, or anyone who may coach the associate."""
    return session.coach_id == getattr(user, "pk", None) or can_coach(user, session.associate)


def can_tick_action_item(user, item) -> bool:
    """The associate ticks their own action items; coaches tick any of theirs."""
    session = item.session
    return session.associate.user_id == getattr(user, "pk", None) or can_edit_coaching(
        user, session
    )


def can_publish_policy(user, teams) -> bool:
    """Admins publish to any team; managers and leads only to teams in their scope."""
    scope = scope_for(user)
    if scope.role == Role.ADMIN:
        return True
    if scope.role not in roles.SUPERVISORS:
        return False
    return all(t.pk in scope.team_ids for t in teams)


def can_author_policies(user) -> bool:
    """Writing and publishing policy articles: supervisors (within their teams)."""
    return scope_for(user).role in roles.SUPERVISORS


def can_see_policy_completion(user) -> bool:
    """Who of their teams has not acknowledged a policy yet: supervisors."""
    return scope_for(user).role in roles.SUPERVISORS


def can_view_pii(user) -> bool:
    """May the user see requester email and phone unmasked? (teams.view_pii; admins.)"""
    return scope_for(user).can_view_pii


def can_handle_sensitivity(user, sensitivity: str) -> bool:
    """Is the user cleared for content of this sensitivity (restricted needs restricted)?"""
    return scope_for(user).role is not None and sensitivity in scope_for(user).sensitivities


def can_see_agent(user, agent: Agent) -> bool:
    """The predicate form of agents_visible_to: never another vendor's people."""
    scope = scope_for(user)
    return scope.all_teams or (agent.team_id is not None and agent.team_id in scope.team_ids)


def can_view_audit(user) -> bool:
    """The audit trail (page and CSV export) is for admins only."""
    return scope_for(user).role == Role.ADMIN


# --- Sign-in: the second factor ----------------------------------------------------------
# Roles that must pass a second factor on every login (everyone who reads others' work);
# associates only by setting.
TWO_FACTOR_ROLES = roles.REVIEWERS
ENROL, VERIFY = "enrol", "verify"


def two_factor_required(user) -> bool:
    """Must this user sign in with a second factor? Leads, managers, QA analysts, admins and
    anyone who reaches Django admin always; associates when FRONTLINE's
    TWO_FACTOR_FOR_ASSOCIATES is on."""
    if user is None or not user.is_authenticated:
        return False
    if user.is_staff or user.is_superuser:
        return True
    role = scope_for(user).role
    if role in TWO_FACTOR_ROLES:
        return True
    return role == Role.ASSOCIATE and settings.FRONTLINE["TWO_FACTOR_FOR_ASSOCIATES"]


def has_authenticator(user) -> bool:
    """Has `user` a confirmed authenticator app? Asked on every request of a session that has
    not passed the second step, so the answer is cached per user (teams.caches.AUTHENTICATORS:
    any write to an authenticator forgets it)."""
    key = AUTHENTICATORS.key(user.pk)
    found = cache.get(key)
    if found is None:
        found = TOTPDevice.objects.filter(user=user, confirmed=True).exists()
        cache.set(key, found, 3600)
    return found


def two_factor_step(user) -> str | None:
    """What this logged-in session still owes before it may reach anything: VERIFY (the user
    has an authenticator, this session has not used it), ENROL (required but none set up), or
    None. TwoFactorMiddleware and the admin site both ask here and nowhere else."""
    if not settings.FRONTLINE["TWO_FACTOR_ENFORCED"]:
        return None
    if user is None or not user.is_authenticated:
        return None
    is_verified = getattr(user, "is_verified", None)  # set by django_otp's OTPMiddleware
    if is_verified is not None and is_verified():
        return None
    if has_authenticator(user):
        return VERIFY
    return ENROL if two_factor_required(user) else None
