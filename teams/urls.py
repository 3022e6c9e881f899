from django.urls import path

from . import views

app_name = "teams"

urlpatterns = [
    path("", views.team_list_view, name="list"),
    path("me/presence/", views.presence_set_view, name="presence"),
    path("me/exposure/", views.my_exposure_view, name="my_exposure"),
    path("<slug:slug>/", views.team_detail_view, name="detail"),
    path("<slug:slug>/exposure/", views.team_exposure_view, name="exposure"),
]
