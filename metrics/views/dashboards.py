"""Dashboards: thin views over metrics.selectors; access from teams.permissions.

Every dashboard takes the same filters (metrics.filters.DashboardFilter); `?csv=<chart id>`
downloads one chart's data as CSV instead of the page.
"""

import csv

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render

from teams.permissions import can_view_overview, can_view_team_dashboard, teams_for

from .. import selectors
from ..definitions import DEFINITIONS
from ..filters import DashboardFilter
from ..permissions import can_see_own_figures, can_see_team_figures


def _filters(request) -> DashboardFilter:
    return DashboardFilter(request.GET, queryset=None, request=request)


def _invalid(request, filters, template):
    return render(request, template, {"filters": filters, "invalid": True}, status=400)


def chart_csv_response(charts: dict, chart_id: str) -> HttpResponse:
    """One chart's labels and series as CSV; 404 for an unknown chart."""
    data = charts.get(chart_id)
    if data is None:
        return HttpResponse(f"No chart named {chart_id!r} on this page.", status=404)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{chart_id}.csv"'
    writer = csv.writer(response)
    writer.writerow(["label", *[d["label"] for d in data["datasets"]]])
    for i, label in enumerate(data["labels"]):
        writer.writerow(
            [label, *["" if d["data"][i] is None else d["data"][i] for d in data["datasets"]]]
        )
    return response


def _page(request, template, context):
    if "csv" in request.GET:
        return chart_csv_response(context.get("charts", {}), request.GET["csv"])
    # After an upgrade the history is rolled up a week at a time: say which figures may still
    # be incomplete (templates/metrics/_filters.html).
    context["backfill_from"] = selectors.backfill_pending_from()
    return render(request, template, context)


@login_required
def team_dashboard_view(request):
    if not can_view_team_dashboard(request.user):
        raise PermissionDenied("The team dashboard is for leads and managers.")
    filters = _filters(request)
    if not filters.is_valid():
        return _invalid(request, filters, "metrics/team_dashboard.html")
    teams = list(teams_for(request.user).select_related("vendor").order_by("name"))
    data = selectors.lead_dashboard(user=request.user, filters=filters, teams=teams)
    return _page(request, "metrics/team_dashboard.html", {"filters": filters, **data})


@login_required
def overview_view(request):
    if not can_view_overview(request.user):
        raise PermissionDenied("The overview is for managers, QA analysts and admins.")
    filters = _filters(request)
    if not filters.is_valid():
        return _invalid(request, filters, "metrics/overview.html")
    teams = list(teams_for(request.user).select_related("vendor").order_by("vendor__name", "name"))
    data = selectors.manager_dashboard(user=request.user, filters=filters, teams=teams)
    return _page(request, "metrics/overview.html", {"filters": filters, **data})


@login_required
def my_stats_view(request):
    if not can_see_own_figures(request.user):
        raise PermissionDenied("My stats is for support staff.")
    filters = _filters(request)
    if not filters.is_valid():
        return _invalid(request, filters, "metrics/my_stats.html")
    data = selectors.my_stats(user=request.user, filters=filters)
    return _page(request, "metrics/my_stats.html", {"filters": filters, **data})


@login_required
def csat_view(request):
    """CSAT per category and per channel (n, % with its Wilson interval, mean)."""
    if not can_see_team_figures(request.user):
        raise PermissionDenied("CSAT breakdowns are for leads, managers and QA analysts.")
    filters = _filters(request)
    if not filters.is_valid():
        return _invalid(request, filters, "metrics/csat.html")
    data = selectors.csat_breakdown(user=request.user, filters=filters)
    return render(request, "metrics/csat.html", {"filters": filters, **data})


@login_required
def definitions_view(request):
    return render(request, "metrics/definitions.html", {"definitions": DEFINITIONS})
