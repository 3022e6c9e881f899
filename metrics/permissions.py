"""Who may do what in metrics: predicates built on teams.permissions' scope (never ad hoc)."""

from teams import roles
from teams.models import Role
from teams.permissions import can_view_overview, can_view_team_dashboard, scope_for
from tickets.models import Ticket
from tickets.permissions import SETTINGS_SCORECARDS, can_qa_review, settings_sections

from .models import ReportSchedule


def can_review(user, ticket: Ticket) -> bool:
    """Leads, QA analysts, managers and admins review tickets they may see (never their own):
    tickets.permissions.can_qa_review, the rule the workspace's Review action shows by."""
    if not can_qa_review(user, ticket):
        return False
    return Ticket.objects.visible_to(user).filter(pk=ticket.pk).exists()


def can_use_qa(user) -> bool:
    """The QA queue, reviews and calibration: reviewers (everyone but associates)."""
    return scope_for(user).role in roles.REVIEWERS


def can_resolve_dispute(user, review) -> bool:
    """A lead whose scope holds the ticket's team, or an admin."""
    scope = scope_for(user)
    if scope.role == Role.ADMIN:
        return True
    return scope.role == Role.LEAD and review.ticket.team_id in scope.team_ids


def can_export(user) -> bool:
    """Exports and scheduled reports: the teams.export_reports permission (managers, admins)."""
    return scope_for(user).is_staff_member and user.has_perm("teams.export_reports")


def report_schedules_visible_to(user):
    """Scheduled reports a user may see and act on: their own; every one for superusers."""
    qs = ReportSchedule.objects.select_related("owner").prefetch_related("runs")
    return qs if user.is_superuser else qs.filter(owner=user)


def can_see_own_figures(user) -> bool:
    """My stats (page and API): anyone on the support staff, for their own work."""
    return scope_for(user).is_staff_member


def can_see_team_figures(user) -> bool:
    """Figures of other people and whole teams (dashboards, breakdowns, the metrics API's
    team endpoints): leads, managers, QA analysts and admins, within their scope."""
    return can_view_team_dashboard(user) or can_view_overview(user)


def figures_agent_scope(user) -> int | None:
    """Whose per-agent figures the viewer may read: None for every agent in their scope
    (can_see_team_figures), else only their own user id (an associate's My stats)."""
    return None if can_see_team_figures(user) else user.pk


def can_edit_scorecards(user) -> bool:
    """The scorecard editor (Settings → QA scorecards): QA analysts and admins, the section
    the Settings landing page lists for them (tickets.permissions.settings_sections)."""
    return SETTINGS_SCORECARDS in settings_sections(user)
