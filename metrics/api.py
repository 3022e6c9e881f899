"""REST endpoints for the same figures as the dashboards (/api/v1/metrics/…): thin views over
metrics.selectors, the same filters (query parameters start, end, team, vendor, category,
channel) and the same access rules."""

from datetime import date

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from teams.permissions import can_view_overview, can_view_team_dashboard, scope_for, teams_for

from . import selectors
from .definitions import DEFINITIONS
from .filters import DashboardFilter
from .selectors.alerts import volume_spikes
from .selectors.summary import group

FILTER_PARAMS = [
    OpenApiParameter("start", date, description="First UTC day (default: 8 weeks ago)"),
    OpenApiParameter("end", date, description="Last UTC day (default: today)"),
    OpenApiParameter("team", int),
    OpenApiParameter("vendor", int),
    OpenApiParameter("category", str, description="Category slug"),
    OpenApiParameter("channel", str),
]
FIGURES = (
    "created", "solved", "reopened", "one_touch", "frt_count", "frt_p50", "frt_p90", "frt_mean",
    "resolution_count", "resolution_p50", "resolution_p90", "reopen_rate", "one_touch_rate",
    "sla_achieved", "sla_breached", "sla_rate", "qa_count", "qa_mean",
    "csat_1", "csat_2", "csat_3", "csat_4", "csat_5", "csat_rated", "csat_pct", "csat_mean",
    "csat_low", "csat_high",
)  # fmt: skip


class SummarySerializer(serializers.Serializer):
    """Figures over a period; durations in minutes, rates as fractions (0-1)."""

    created = serializers.IntegerField()
    solved = serializers.IntegerField()
    reopened = serializers.IntegerField()
    one_touch = serializers.IntegerField()
    frt_count = serializers.IntegerField()
    frt_p50 = serializers.FloatField(allow_null=True)
    frt_p90 = serializers.FloatField(allow_null=True)
    frt_mean = serializers.FloatField(allow_null=True)
    resolution_count = serializers.IntegerField()
    resolution_p50 = serializers.FloatField(allow_null=True)
    resolution_p90 = serializers.FloatField(allow_null=True)
    reopen_rate = serializers.FloatField(allow_null=True)
    one_touch_rate = serializers.FloatField(allow_null=True)
    sla_achieved = serializers.IntegerField()
    sla_breached = serializers.IntegerField()
    sla_rate = serializers.FloatField(allow_null=True)
    qa_count = serializers.IntegerField()
    qa_mean = serializers.FloatField(allow_null=True)
    csat_1 = serializers.IntegerField()
    csat_2 = serializers.IntegerField()
    csat_3 = serializers.IntegerField()
    csat_4 = serializers.IntegerField()
    csat_5 = serializers.IntegerField()
    csat_rated = serializers.IntegerField()
    csat_pct = serializers.FloatField(allow_null=True, help_text="ratings 4-5 / all ratings")
    csat_mean = serializers.FloatField(allow_null=True)
    csat_low = serializers.FloatField(allow_null=True, help_text="95% Wilson interval, low")
    csat_high = serializers.FloatField(allow_null=True, help_text="95% Wilson interval, high")


def _figures(summary: dict) -> dict:
    low, high = summary["csat_interval"] or (None, None)
    return {k: summary[k] for k in FIGURES if k not in ("csat_low", "csat_high")} | {
        "csat_low": low,
        "csat_high": high,
    }


class _MetricsView(APIView):
    """Parses and validates the shared filters; subclasses say who may call them."""

    lead_or_manager_only = False

    def filters(self, request) -> DashboardFilter:
        if not scope_for(request.user).is_staff_member:
            raise PermissionDenied("Metrics are for support staff.")
        if self.lead_or_manager_only and not (
            can_view_team_dashboard(request.user) or can_view_overview(request.user)
        ):
            raise PermissionDenied("This endpoint is for leads, managers and QA.")
        filters = DashboardFilter(request.query_params, request=request)
        if not filters.is_valid():
            raise ValidationError(filters.form.errors)
        return filters

    def period(self, filters) -> dict:
        return {"start": filters.start_day, "end": filters.end_day}


class SummaryView(_MetricsView):
    @extend_schema(parameters=FILTER_PARAMS, responses=SummarySerializer)
    def get(self, request):
        """Figures over the period for everything the caller may see."""
        filters = self.filters(request)
        rows = selectors.rollup_rows(user=request.user, filters=filters)
        return Response({**self.period(filters), **_figures(selectors.summarize(rows))})


class TrendsView(_MetricsView):
    @extend_schema(parameters=FILTER_PARAMS, responses=dict)
    def get(self, request):
        """Weekly series (week starting Monday) of the dashboard charts."""
        filters = self.filters(request)
        rows = selectors.rollup_rows(user=request.user, filters=filters)
        charts = selectors.weekly_trends(rows=rows, filters=filters)
        return Response({**self.period(filters), "charts": list(charts.values())})


class AgentsView(_MetricsView):
    lead_or_manager_only = True

    @extend_schema(parameters=FILTER_PARAMS, responses=dict)
    def get(self, request):
        """Figures per agent (user id) over the period."""
        filters = self.filters(request)
        rows = selectors.rollup_rows(user=request.user, filters=filters)
        by_agent = group(rows, lambda r: r["agent_id"])
        data = [
            {"agent": k, **_figures(v)}
            for k, v in sorted(by_agent.items(), key=lambda kv: kv[0] or 0)
        ]
        return Response({**self.period(filters), "results": data})


class TeamsView(_MetricsView):
    lead_or_manager_only = True

    @extend_schema(parameters=FILTER_PARAMS, responses=dict)
    def get(self, request):
        """Figures per team (with its vendor) over the period."""
        filters = self.filters(request)
        teams = list(teams_for(request.user).select_related("vendor").order_by("name"))
        data = selectors.manager_dashboard(user=request.user, filters=filters, teams=teams)
        results = [
            {
                "team": r["team"].pk,
                "name": r["team"].name,
                "vendor": r["team"].vendor.slug,
                **_figures(r["summary"]),
            }
            for r in data["teams"]
        ]
        return Response({**self.period(filters), "results": results})


class QueueView(_MetricsView):
    lead_or_manager_only = True

    @extend_schema(parameters=FILTER_PARAMS, responses=dict)
    def get(self, request):
        """The live queue: backlog by status and age, at risk and breached now, spikes."""
        filters = self.filters(request)
        now = timezone.now()
        queue = selectors.live_queue(user=request.user, filters=filters, now=now)
        alerts = volume_spikes(user=request.user, q=filters.ticket_q(), now=now)
        return Response(
            {
                "age_buckets": queue["buckets"],
                "backlog": {r["status"]: [c["n"] for c in r["cells"]] for r in queue["rows"]},
                "unsolved": queue["total"]["n"],
                "unassigned": queue["unassigned"]["n"],
                "at_risk": queue["at_risk"]["n"],
                "breached": queue["breached"]["n"],
                "alerts": [
                    {k: a[k] for k in ("category", "observed", "expected", "z", "p", "since")}
                    for a in alerts
                ],
            }
        )


class DefinitionSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    unit = serializers.CharField()
    formula = serializers.CharField()
    version = serializers.IntegerField()


class DefinitionsView(APIView):
    @extend_schema(responses=DefinitionSerializer(many=True))
    def get(self, request):
        """Every metric's formula and version."""
        return Response(
            [
                {
                    "slug": d.slug,
                    "name": d.name,
                    "unit": d.unit,
                    "formula": d.formula,
                    "version": d.version,
                }
                for d in DEFINITIONS
            ]
        )
