"""Roles are Django groups; this table says which permissions each group carries.

Permission names are strings so teams/ need not import the apps that define them.
"""

from .models import Role

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
