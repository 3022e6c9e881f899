from django.urls import path

from . import views

app_name = "teams"

urlpatterns = [
    path("", views.team_list_view, name="list"),
    path("<slug:slug>/", views.team_detail_view, name="detail"),
]
