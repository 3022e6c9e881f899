from django.urls import path

from . import views

app_name = "metrics"

urlpatterns = [
    path("team/", views.team_dashboard_view, name="team_dashboard"),
    path("overview/", views.overview_view, name="overview"),
    path("me/", views.my_stats_view, name="my_stats"),
    path("definitions/", views.definitions_view, name="definitions"),
]
