"""Who may do what in metrics: predicates built on teams.permissions' scope (never ad hoc)."""

from teams.models import Role
from teams.permissions import can_view_overview, can_view_team_dashboard, scope_for
from tickets.models import Ticket

REVIEWER_ROLES = (Role.LEAD, Role.QA_ANALYST, Role.MANAGER, Role.ADMIN)


def can_review(user, ticket: Ticket) -> bool:
    """Leads, QA analysts, managers and admins review tickets they may see (never their own)."""
    scope = scope_for(user)
    if scope.role not in REVIEWER_ROLES or ticket.assignee_id == user.pk:
        return False
    return Ticket.objects.visible_to(user).filter(pk=ticket.pk).exists()


def can_use_qa(user) -> bool:
    return scope_for(user).role in REVIEWER_ROLES


def can_resolve_dispute(user, review) -> bool:
    """A lead whose scope holds the ticket's team, or an admin."""
    scope = scope_for(user)
    if scope.role == Role.ADMIN:
        return True
    return scope.role == Role.LEAD and review.ticket.team_id in scope.team_ids


def can_export(user) -> bool:
    """Exports and scheduled reports: the teams.export_reports permission (managers, admins)."""
    return scope_for(user).is_staff_member and user.has_perm("teams.export_reports")


def can_see_team_figures(user) -> bool:
    """Figures of other people and whole teams (dashboards, breakdowns, the metrics API's
    team endpoints): leads, managers, QA analysts and admins, within their scope."""
    return can_view_team_dashboard(user) or can_view_overview(user)


def figures_agent_scope(user) -> int | None:
    """Whose per-agent figures the viewer may read: None for every agent in their scope
    (can_see_team_figures), else only their own user id (an associate's My stats)."""
    return None if can_see_team_figures(user) else user.pk
