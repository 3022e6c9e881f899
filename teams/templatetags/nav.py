"""The main navigation of every page (base.html), built in Python from one table.

Every page renders it, so it is kept cheap: each link's URL is reversed once per process (and
script prefix and URLconf: core.urls.path_for), not on every page, and the entries are
core.html fragments joined here rather than some fifty template tags. Which entries a viewer sees follows their role (teams.permissions, via
the `viewer` context processor) and Django permissions."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString

from core import html
from core.html import EMPTY, fragment, joined
from core.urls import path_for

from ..roles import MAIL_REVIEWERS, REVIEWERS

register = template.Library()

_ENTRY = '<li><a href="{}"{}>{}{}</a></li>'
_UNREAD = (
    ' <span class="nav-count" id="unread-notifications">{}<span class="sr-only"> unread</span>'
    "</span>"
)
_CURRENT = SafeString(' aria-current="page"')


def _entries(context) -> list[tuple[str, str, bool]]:
    """(label, URL name, current) for each entry this viewer sees, in order."""
    request = context["request"]
    match = getattr(request, "resolver_match", None)
    url_name = match.url_name if match else None
    app_name = match.app_name if match else None
    role = context.get("viewer_role")
    entries = []

    def add(label: str, name: str, current: bool | None = None) -> None:
        if current is None:
            current = url_name == name.rpartition(":")[2]
        entries.append((label, name, current))

    if role:
        add("Queue", "tickets:queue")
    if context.get("nav_team_dashboard"):
        add("Team", "metrics:team_dashboard")
        add("Coverage", "metrics:coverage")
    if context.get("nav_overview"):
        add("Overview", "metrics:overview")
    if role:
        add("People", "teams:list", app_name == "teams")
        add("My stats", "metrics:my_stats")
    if role in REVIEWERS:
        add("QA", "metrics:qa_queue")
    elif role == "associate":
        add("My QA", "metrics:qa_mine")
    if context["user"].has_perm("teams.export_reports"):
        add("Exports", "metrics:exports")
    if role:
        add("Escalations", "tickets:escalations")
        add("Notifications", "tickets:notifications")
    if context.get("nav_settings"):
        add("Settings", "settings:index", app_name == "settings")
    if role in MAIL_REVIEWERS:
        add("Spam", "tickets:spam", (url_name or "").startswith("spam"))
    if role == "admin":
        add("Webhooks", "tickets:webhooks", (url_name or "").startswith("webhook"))
        add("Risk phrases", "tickets:risk_phrases")
        add("Audit", "teams:audit")
    if context["user"].is_staff:
        add("Admin", "admin:index", False)
    add("API", "swagger-ui", False)
    return entries


@register.simple_tag(takes_context=True)
def main_nav(context):
    """The <li> entries of the main navigation, the current page's marked aria-current; the
    notifications entry carries the unread count (the `notifications` context processor)."""
    items = []
    for label, name, current in _entries(context):
        extra = EMPTY
        if name == "tickets:notifications":
            unread = context.get("unread_notifications")
            unread = unread() if callable(unread) else unread
            if unread:
                extra = fragment(_UNREAD, unread)
        items.append(fragment(_ENTRY, path_for(name), _CURRENT if current else EMPTY, label, extra))
    return joined("\n        ", items)


@register.simple_tag
def nav_url(name: str) -> str:
    """{% url name %} for a URL without arguments, reversed once per process (path_for)."""
    return path_for(name)


# The header's presence switch: every page writes it, and as a template (teams/partials/
# presence_form.html laying out this form) it cost 50 µs a page instead of 13.
_PRESENCE_FORM = (
    '<form method="post" action="{action}" class="presence-form inline" hx-post="{action}" '
    'hx-trigger="change" hx-swap="outerHTML" data-presence="{current}">\n'
    "  {csrf}\n"
    "  {next}\n"
    '  <label for="presence-status">Presence</label>\n'
    '  <select id="presence-status" name="status" data-shortcut-label="Presence">\n'
    "    {options}\n"
    "  </select>\n"
    '  <button type="submit" class="link-button">Set</button>\n'
    "</form>"
)


@register.simple_tag(takes_context=True)
def presence_form(context):
    """The header's presence switch (teams/partials/presence_form.html, also its htmx swap)."""
    request, current = context["request"], context.get("viewer_presence")
    return fragment(
        _PRESENCE_FORM,
        action=path_for("teams:presence"),
        current=str(current),
        csrf=html.csrf_input(context.get("csrf_token")),
        next=html.hidden_input("next", context.get("presence_next") or request.get_full_path()),
        options=html.options(context.get("presence_choices", ()), current),
    )
