"""The main navigation of every page (base.html), built in Python from one table.

Every page renders it, so it is kept cheap: each link's URL is reversed once per process (and
script prefix), not on every page, and the entries are strings joined here rather than some
fifty template tags. Which entries a viewer sees follows their role (teams.permissions, via
the `viewer` context processor) and Django permissions."""

from __future__ import annotations

from functools import lru_cache
from html import escape

from django import template
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.safestring import mark_safe

from ..roles import REVIEWERS

register = template.Library()


@lru_cache(maxsize=256)
def _reversed(name: str, prefix: str, urlconf) -> str:
    return reverse(name, urlconf=urlconf)


def url_of(name: str) -> str:
    """reverse(name) for a URL without arguments, remembered per script prefix and urlconf."""
    return _reversed(name, get_script_prefix(), get_urlconf())


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
    if role == "admin":
        add("Webhooks", "tickets:webhooks", (url_name or "").startswith("webhook"))
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
        extra = ""
        if name == "tickets:notifications":
            unread = context.get("unread_notifications")
            unread = unread() if callable(unread) else unread
            if unread:
                extra = (
                    f' <span class="nav-count" id="unread-notifications">{escape(str(unread))}'
                    '<span class="sr-only"> unread</span></span>'
                )
        mark = ' aria-current="page"' if current else ""
        items.append(f'<li><a href="{escape(url_of(name))}"{mark}>{label}{extra}</a></li>')
    return mark_safe("\n        ".join(items))  # noqa: S308 — labels are ours, values escaped


@register.simple_tag
def nav_url(name: str) -> str:
    """{% url name %} for a URL without arguments, reversed once per process (url_of)."""
    return url_of(name)


def _csrf_input(context) -> str:
    """What {% csrf_token %} writes."""
    token = context.get("csrf_token")
    if not token or token == "NOTPROVIDED":  # noqa: S105 — Django's "no token" marker
        return ""
    return f'<input type="hidden" name="csrfmiddlewaretoken" value="{escape(str(token))}">'


@register.simple_tag(takes_context=True)
def presence_form(context):
    """The header's presence switch (teams/partials/presence_form.html, also its htmx swap)."""
    request, current = context["request"], context.get("viewer_presence")
    next_url = context.get("presence_next") or request.get_full_path()
    action = escape(url_of("teams:presence"))
    options = "".join(
        f'<option value="{escape(value)}"{" selected" if value == current else ""}>'
        f"{escape(str(label))}</option>"
        for value, label in context.get("presence_choices", ())
    )
    return mark_safe(  # noqa: S308 — every value escaped
        f'<form method="post" action="{action}" class="presence-form inline" hx-post="{action}" '
        f'hx-trigger="change" hx-swap="outerHTML" data-presence="{escape(str(current))}">\n'
        f"  {_csrf_input(context)}\n"
        f'  <input type="hidden" name="next" value="{escape(next_url)}">\n'
        '  <label for="presence-status">Presence</label>\n'
        '  <select id="presence-status" name="status" data-shortcut-label="Presence">\n'
        f"    {options}\n"
        "  </select>\n"
        '  <button type="submit" class="link-button">Set</button>\n'
        "</form>"
    )
