"""/api/v1/metrics/… (included by support/api_urls.py)."""

from django.urls import path

from . import api

urlpatterns = [
    path("summary/", api.SummaryView.as_view(), name="api-metrics-summary"),
    path("trends/", api.TrendsView.as_view(), name="api-metrics-trends"),
    path("agents/", api.AgentsView.as_view(), name="api-metrics-agents"),
    path("teams/", api.TeamsView.as_view(), name="api-metrics-teams"),
    path("queue/", api.QueueView.as_view(), name="api-metrics-queue"),
    path("sla/", api.SLAView.as_view(), name="api-metrics-sla"),
    path("csat/", api.CSATView.as_view(), name="api-metrics-csat"),
    path("handle-time/", api.HandleTimeView.as_view(), name="api-metrics-handle-time"),
    path("definitions/", api.DefinitionsView.as_view(), name="api-metrics-definitions"),
]
