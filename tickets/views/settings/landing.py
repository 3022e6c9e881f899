"""The Settings landing page: the sections this viewer may use, each with what it sets."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.urls import reverse

from ...permissions import (
    SETTINGS_BUSINESS_HOURS,
    SETTINGS_MACROS,
    SETTINGS_SCORECARDS,
    SETTINGS_SLA_POLICIES,
    settings_sections,
)

# What each section is, for the landing page (its access is tickets.permissions').
SECTIONS = {
    SETTINGS_BUSINESS_HOURS: (
        "Business hours",
        "settings:hours",
        "Weekly opening hours per calendar, its time zone and holidays: "
        "SLA clocks in business time count only these hours.",
    ),
    SETTINGS_SLA_POLICIES: (
        "SLA policies",
        "settings:sla",
        "First reply, next reply and resolution targets by priority, category, channel and "
        "team, with a preview of their effect on open tickets.",
    ),
    SETTINGS_MACROS: (
        "Macros",
        "settings:macros",
        "Canned replies with placeholders and actions (status, priority, tags, assignee, "
        "category): your personal ones, and your teams' shared ones if you lead a team.",
    ),
    # The scorecard editor lives in metrics (reached by URL name, never imported).
    SETTINGS_SCORECARDS: (
        "QA scorecards",
        "metrics:scorecards",
        "Sections, weighted criteria and auto-fail; edit a draft version and publish it.",
    ),
}


def section_required(section: str):
    """The view is for people who may use `section` (403 for everyone else signed in)."""

    def decorate(view):
        @wraps(view)
        @login_required
        def wrapped(request, *args, **kwargs):
            if section not in settings_sections(request.user):
                raise PermissionDenied("These settings are not yours to change.")
            return view(request, *args, **kwargs)

        return wrapped

    return decorate


@login_required
def settings_index_view(request):
    sections = [
        {
            "key": key,
            "label": SECTIONS[key][0],
            "url": reverse(SECTIONS[key][1]),
            "text": SECTIONS[key][2],
        }
        for key in settings_sections(request.user)
        if key in SECTIONS
    ]
    if not sections:
        raise PermissionDenied("There are no settings for you to change.")
    return render(request, "tickets/settings/index.html", {"sections": sections})
