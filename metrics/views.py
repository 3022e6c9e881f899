"""Dashboards: thin views over metrics.selectors; access from teams.permissions."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render

from teams.permissions import can_view_overview, can_view_team_dashboard, teams_for

from . import selectors
from .definitions import DEFINITIONS


@login_required
def team_dashboard_view(request):
    if not can_view_team_dashboard(request.user):
        raise PermissionDenied("The team dashboard is for leads and managers.")
    teams = list(teams_for(request.user).select_related("vendor").order_by("name"))
    chosen = request.GET.get("team")
    selected = [t for t in teams if str(t.pk) == chosen] or teams
    team_ids = [t.pk for t in selected]
    return render(
        request,
        "metrics/team_dashboard.html",
        {
            "teams": teams,
            "selected": selected,
            "health": selectors.queue_health(user=request.user, team_ids=team_ids),
            "associates": selectors.per_associate(user=request.user, team_ids=team_ids),
        },
    )


@login_required
def overview_view(request):
    if not can_view_overview(request.user):
        raise PermissionDenied("The overview is for managers, QA analysts and admins.")
    return render(
        request,
        "metrics/overview.html",
        {
            "health": selectors.queue_health(user=request.user),
            "rows": selectors.per_team(user=request.user),
        },
    )


@login_required
def definitions_view(request):
    return render(request, "metrics/definitions.html", {"definitions": DEFINITIONS})
