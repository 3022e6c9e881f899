"""Roles: the named sets of roles that access rules speak of, the permissions each role's
Django group carries, and where each role lands after logging in.

Every rule that admits several roles names one of the sets below (teams.permissions,
tickets.permissions, metrics.permissions read them), so a role added or moved changes one
line here. Permission names are strings so teams/ need not import the apps that define them.
"""

from .models import Role

# Who supervises teams: team dashboards, coaching, policy completion, escalations, exposure.
SUPERVISORS = frozenset({Role.LEAD, Role.MANAGER, Role.ADMIN})
# Who looks across teams and vendors: the overview.
CROSS_TEAM = frozenset({Role.MANAGER, Role.QA_ANALYST, Role.ADMIN})
# Who reviews other people's work (QA) — everyone but associates; the same people must pass a
# second factor at every sign-in (teams.permissions.two_factor_required).
REVIEWERS = frozenset({Role.LEAD, Role.QA_ANALYST, Role.MANAGER, Role.ADMIN})
# Who edits a team's people: roster imports and member profiles (leads within their scope).
TEAM_EDITORS = frozenset({Role.LEAD, Role.ADMIN})
# Who reviews inbound mail held as spam (Not spam / Delete / Block sender).
MAIL_REVIEWERS = frozenset({Role.LEAD, Role.ADMIN})

ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.ASSOCIATE: [
        "tickets.view_ticket",
        "tickets.change_ticket",
        "tickets.add_ticket",
        "tickets.add_message",
        "tickets.view_macro",
    ],
    Role.LEAD: [
        "tickets.view_ticket",
        "tickets.change_ticket",
        "tickets.add_ticket",
        "tickets.add_message",
        "tickets.view_macro",
        "tickets.add_macro",
        "tickets.change_macro",
        "teams.view_pii",
        "teams.view_team",
        "teams.view_agent",
        "teams.change_agent",
        "teams.view_team_dashboard",
    ],
    Role.MANAGER: [
        "tickets.view_ticket",
        "tickets.view_macro",
        "teams.view_pii",
        "teams.view_team",
        "teams.view_agent",
        "teams.view_team_dashboard",
        "teams.view_overview",
        "teams.export_reports",
    ],
    Role.QA_ANALYST: [
        "tickets.view_ticket",
        "tickets.view_macro",
        "teams.view_team",
        "teams.view_overview",
    ],
    Role.ADMIN: [],  # admins are superusers: every permission
}

# Where each role lands after logging in.
ROLE_HOME = {
    Role.ASSOCIATE: "tickets:queue",
    Role.LEAD: "metrics:team_dashboard",
    Role.MANAGER: "metrics:overview",
    Role.QA_ANALYST: "metrics:overview",
    Role.ADMIN: "metrics:overview",
}
