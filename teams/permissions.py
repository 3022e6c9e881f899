"""Whom a user may act for and which rows they may see, decided once.

`scope_for(user)` is the only place that reads role, team, vendor and clearance to decide
access; `scope_filter` is the only place that turns a scope into rows, for tickets, rollups
and every other model with a team or a sensitivity (the caller names its fields, as teams
imports neither tickets nor metrics). Pages, API, exports and tasks all start from these and
from the predicates below; which roles a rule admits is one of teams.roles' named sets.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import connections
from django.db.models import Q, QuerySet
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import roles
from .caches import AUTHENTICATORS
from .models import Agent, CoachingSession, FeedbackNote, Role, Sensitivity, Team, Vendor


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


# --- Rows: a scope as a filter -----------------------------------------------------------


@dataclass(frozen=True)
class ScopedFields:
    """Where one model's rows keep what a scope decides on, as filter() paths. The app whose
    rows are filtered declares these once beside its queryset; the rule is scope_filter's.

    team: the foreign key to Team, or None for rows of no team (only clearance applies).
    sensitivity: the category's sensitivity, read through a relation ("category__sensitivity")
        or a column the row carries itself ("sensitivity", as rollups do).
    assignee: the foreign key to the user working the row, or None. Rows assigned to the
        viewer are theirs to see whatever their team (tickets)."""

    team: str | None = "team"
    sensitivity: str = "category__sensitivity"
    assignee: str | None = None


def scope_filter(
    queryset: QuerySet,
    scope: Scope,
    fields: ScopedFields,
    *,
    teams_as_subquery: bool = False,
    vendor_join: bool = True,
    assigned_only: bool = False,
) -> QuerySet:
    """The rows of `queryset` that `scope` may see: the one translation of a scope to rows.

    - No staff role: nothing.
    - Teams: every team, or the row's team among the scope's teams; a row assigned to the
      viewer passes whatever its team.
    - Vendor: a vendor-limited scope (a BPO partner's people) also needs the team's vendor
      (or the row assigned to the viewer). scope_for draws such a scope's teams from its
      vendor alone, so this is a second lock; `vendor_join=False` leaves it out for reads
      that must not join the teams table (a count read from one index).
    - Clearance: the row's sensitivity among those the scope is cleared for. Cleared for
      every sensitivity, a condition read through a relation is left out: it would cost a
      join to keep every row that has a category. A column the row carries keeps it (it is
      free, and leaves out rows of no category, whose sensitivity is blank).

    Shapes for hot reads, where the SQL is what makes them fast:
    - teams_as_subquery names the teams through a subquery, for reads led by a narrow time
      window: PostgreSQL would otherwise AND the window's index with the team index, which
      at a million tickets means reading every ticket id the team ever had.
    - assigned_only keeps only the rows assigned to the viewer. They pass the team and
      vendor conditions, so only clearance is left: no OR that would have the database read
      the whole team's index to count a handful of rows."""
    if scope.role is None:
        return queryset.none()
    mine = Q(**{f"{fields.assignee}_id": scope.user_id}) if fields.assignee else None
    qs = queryset
    if assigned_only:
        if mine is None:
            raise ValueError("assigned_only needs the rows' assignee field")
        qs = qs.filter(mine)
    elif fields.team is not None:
        if not scope.all_teams:
            teams = sorted(scope.team_ids)
            if teams_as_subquery:
                teams = Team.objects.filter(pk__in=scope.team_ids).values("pk")
            qs = qs.filter(_or_mine(Q(**{f"{fields.team}_id__in": teams}), mine))
        if scope.vendor_id is not None and vendor_join:
            qs = qs.filter(_or_mine(Q(**{f"{fields.team}__vendor_id": scope.vendor_id}), mine))
    if scope.every_sensitivity and "__" in fields.sensitivity:
        return qs
    return qs.filter(**{f"{fields.sensitivity}__in": scope.sensitivities})


def scope_parts(queryset: QuerySet, scope: Scope, fields: ScopedFields) -> list[QuerySet]:
    """`scope_filter(queryset, scope, fields)` cut into disjoint parts that each follow one
    index: one part per team in scope and one for the rows assigned to the viewer in other
    teams (a scope over every team, or a database that cannot order and limit each part of a
    UNION, is one part). Each part is the scope's rows narrowed further, so the parts never
    show more than the scope; together they show all of it, because the scope only admits
    rows of its teams or assigned to the viewer.

    For pages that read the first rows in an order (tickets.pagination.paginate): the
    database walks each part's index in that order and stops, where the OR of the scope
    would make it sort every matching row."""
    visible = scope_filter(queryset, scope, fields)
    features = connections[queryset.db].features
    if (
        scope.role is None
        or scope.all_teams
        or fields.team is None
        or not features.supports_slicing_ordering_in_compound
    ):
        return [visible]
    team_id = f"{fields.team}_id"
    parts = [visible.filter(**{team_id: pk}) for pk in sorted(scope.team_ids)]
    if fields.assignee is None:
        return parts or [visible]
    # assigned_only: the scope's team-or-assignee OR would have the database walk the team's
    # index as well as the assignee's.
    assigned = scope_filter(queryset, scope, fields, assigned_only=True)
    return [*parts, assigned.filter(_team_not_in(scope.team_ids, team_id=team_id))]


def _or_mine(q: Q, mine: Q | None) -> Q:
    return q if mine is None else q | mine


def _team_not_in(team_ids, *, team_id: str = "team_id") -> Q:
    """No team, or a team outside `team_ids`, written as the ranges between them: an index on
    (assignee, team) answers it from its entries (tickets' ticket_assignee_team), where NOT
    IN would have the database read every row of the assignee to look at its team."""
    ids = sorted(team_ids)
    if not ids:
        return Q()
    q = (
        Q(**{f"{team_id}__isnull": True})
        | Q(**{f"{team_id}__lt": ids[0]})
        | Q(**{f"{team_id}__gt": ids[-1]})
    )
    for low, high in zip(ids, ids[1:], strict=False):
        if high > low + 1:
            q |= Q(**{f"{team_id}__gt": low, f"{team_id}__lt": high})
    return q


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


def can_edit_team(user, team: Team) -> bool:
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
