"""REST endpoints for the same figures as the dashboards (/api/v1/metrics/…): thin views over
metrics.selectors, the same filters (query parameters start, end, team, vendor, category,
channel) and the same access rules."""

from datetime import date

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from teams.permissions import teams_for
from tickets.models import TicketSLA

from . import selectors
from .definitions import DEFINITIONS
from .filters import DashboardFilter
from .permissions import can_see_own_figures, can_see_team_figures, figures_agent_scope
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
    "sla_first_reply_met", "sla_first_reply_breached", "sla_first_reply_rate",
    "sla_next_reply_met", "sla_next_reply_breached", "sla_next_reply_rate",
    "sla_resolution_met", "sla_resolution_breached", "sla_resolution_rate",
    "handle_seconds", "handle_count", "handle_minutes_per_ticket",
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
    sla_first_reply_met = serializers.IntegerField()
    sla_first_reply_breached = serializers.IntegerField()
    sla_first_reply_rate = serializers.FloatField(allow_null=True)
    sla_next_reply_met = serializers.IntegerField()
    sla_next_reply_breached = serializers.IntegerField()
    sla_next_reply_rate = serializers.FloatField(allow_null=True)
    sla_resolution_met = serializers.IntegerField()
    sla_resolution_breached = serializers.IntegerField()
    sla_resolution_rate = serializers.FloatField(allow_null=True)
    handle_seconds = serializers.FloatField(help_text="handle time, all agents' work sessions")
    handle_count = serializers.IntegerField(help_text="ticket-days worked (ticket × agent × day)")
    handle_minutes_per_ticket = serializers.FloatField(allow_null=True)
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
        if not can_see_own_figures(request.user):
            raise PermissionDenied("Metrics are for support staff.")
        if self.lead_or_manager_only and not can_see_team_figures(request.user):
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
        rows = selectors.rollup_rows(user=request.user, filters=filters, weekly=True)
        return Response({**self.period(filters), **_figures(selectors.summarize(rows))})


class TrendsView(_MetricsView):
    @extend_schema(parameters=FILTER_PARAMS, responses=dict)
    def get(self, request):
        """Weekly series (week starting Monday) of the dashboard charts."""
        filters = self.filters(request)
        rows = selectors.rollup_rows(user=request.user, filters=filters, weekly=True)
        charts = selectors.weekly_trends(rows=rows, filters=filters)
        return Response({**self.period(filters), "charts": list(charts.values())})


class AgentsView(_MetricsView):
    lead_or_manager_only = True

    @extend_schema(parameters=FILTER_PARAMS, responses=dict)
    def get(self, request):
        """Figures per agent (user id) over the period."""
        filters = self.filters(request)
        rows = selectors.rollup_rows(user=request.user, filters=filters, weekly=True)
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


class SLAKindSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=TicketSLA.Kind.choices)
    name = serializers.CharField()
    met = serializers.IntegerField()
    breached = serializers.IntegerField()
    rate = serializers.FloatField(allow_null=True, help_text="met / (met + breached)")


class SLAPolicySerializer(SLAKindSerializer):
    policy = serializers.IntegerField(allow_null=True, help_text="null: default targets")
    policy_name = serializers.CharField()


class SLASerializer(serializers.Serializer):
    """SLA targets that ended in the period (met or breached), per kind and per policy."""

    start = serializers.DateField()
    end = serializers.DateField()
    kinds = SLAKindSerializer(many=True)
    policies = SLAPolicySerializer(many=True)


class SLAView(_MetricsView):
    lead_or_manager_only = True

    @extend_schema(parameters=FILTER_PARAMS, responses=SLASerializer)
    def get(self, request):
        """SLA achievement per target kind and per SLA policy × kind over the period."""
        filters = self.filters(request)
        policies = selectors.sla_by_policy(user=request.user, filters=filters)
        figures = ("met", "breached", "rate")
        return Response(
            {
                **self.period(filters),
                "kinds": [
                    {"kind": k["kind_id"], "name": k["kind"], **{f: k[f] for f in figures}}
                    for k in selectors.sla_by_kind(policies)
                ],
                "policies": [
                    {
                        "policy": p["policy_id"],
                        "policy_name": p["policy"],
                        "kind": p["kind_id"],
                        "name": p["kind"],
                        **{f: p[f] for f in figures},
                    }
                    for p in policies
                ],
            }
        )


class CSATFiguresSerializer(serializers.Serializer):
    n = serializers.IntegerField(help_text="ratings")
    satisfied = serializers.IntegerField(help_text="ratings of 4 or 5")
    pct = serializers.FloatField(allow_null=True, help_text="satisfied / n")
    mean = serializers.FloatField(allow_null=True)
    low = serializers.FloatField(allow_null=True, help_text="95% Wilson interval, low")
    high = serializers.FloatField(allow_null=True, help_text="95% Wilson interval, high")


class CSATGroupSerializer(CSATFiguresSerializer):
    key = serializers.CharField(help_text="category slug or channel")
    name = serializers.CharField()


class CSATSerializer(serializers.Serializer):
    """Ratings given in the period, credited as the pages credit them."""

    start = serializers.DateField()
    end = serializers.DateField()
    total = CSATFiguresSerializer()
    categories = CSATGroupSerializer(many=True)
    channels = CSATGroupSerializer(many=True)


def _csat(figures: dict) -> dict:
    low, high = figures["interval"] or (None, None)
    return {
        **{k: figures[k] for k in ("n", "satisfied", "pct", "mean")},
        "low": low,
        "high": high,
    }


class CSATView(_MetricsView):
    lead_or_manager_only = True

    @extend_schema(parameters=FILTER_PARAMS, responses=CSATSerializer)
    def get(self, request):
        """CSAT per category and per channel over the period (n, % 4-5 with its 95% Wilson
        interval, mean)."""
        filters = self.filters(request)
        data = selectors.csat_breakdown(user=request.user, filters=filters)
        return Response(
            {
                **self.period(filters),
                "total": _csat(data["total"]),
                **{
                    part: [{"key": g["key"], "name": g["label"], **_csat(g)} for g in data[part]]
                    for part in ("categories", "channels")
                },
            }
        )


class HandleTimeSerializer(serializers.Serializer):
    day = serializers.DateField(help_text="UTC day")
    agent = serializers.IntegerField(source="agent_id", help_text="user id")
    username = serializers.CharField(source="agent__username")
    tickets = serializers.IntegerField(help_text="tickets worked that day")
    seconds = serializers.FloatField(help_text="handle time")
    minutes_per_ticket = serializers.SerializerMethodField()

    def get_minutes_per_ticket(self, row) -> float:
        return row["seconds"] / 60 / row["tickets"]


class HandleTimePagination(CursorPagination):
    ordering = ("-day", "agent_id")
    page_size = 500


class HandleTimeView(_MetricsView, generics.ListAPIView):
    """Handle time per agent per UTC day, newest day first: every agent in the caller's scope
    for leads, managers and QA; associates get their own days only."""

    serializer_class = HandleTimeSerializer
    pagination_class = HandleTimePagination
    filter_backends: list = []

    def get_queryset(self):
        filters = self.filters(self.request)
        agent = figures_agent_scope(self.request.user)
        wanted = self.request.query_params.get("agent", "").strip()
        if wanted:
            if not wanted.isdigit():
                raise ValidationError({"agent": ["A user id."]})
            if agent is not None and int(wanted) != agent:
                raise PermissionDenied("Associates read their own handle time only.")
            agent = int(wanted)
        return selectors.handle_time_per_agent_day(
            user=self.request.user, filters=filters, agent_id=agent
        )

    @extend_schema(parameters=[*FILTER_PARAMS, OpenApiParameter("agent", int)])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


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
