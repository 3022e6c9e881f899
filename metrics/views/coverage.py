"""The coverage view: rota beside usual arrivals per team, for leads and managers."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from teams.permissions import can_view_team_dashboard, teams_for

from ..selectors.coverage import team_coverage
from .dashboards import chart_csv_response


@login_required
def coverage_view(request):
    if not can_view_team_dashboard(request.user):
        raise PermissionDenied("Coverage is for leads and managers.")
    teams = list(teams_for(request.user).select_related("vendor").order_by("name"))
    chosen = request.GET.get("team", "")
    if chosen:
        if not chosen.isdigit() or int(chosen) not in {t.pk for t in teams}:
            return HttpResponse("Unknown team, or not one of yours.", status=400)
        teams = [t for t in teams if t.pk == int(chosen)]
    rows = team_coverage(user=request.user, teams=teams)
    if "csv" in request.GET:
        return chart_csv_response({r["chart"]["id"]: r["chart"] for r in rows}, request.GET["csv"])
    context = {
        "rows": rows,
        "all_teams": teams_for(request.user).order_by("name"),
        "chosen": chosen,
        "hours": range(24),
        "tz": timezone.get_current_timezone_name(),
    }
    return render(request, "metrics/coverage.html", context)
