"""The Settings area (/settings/): landing page and one group of URLs per section."""

from django.urls import path

from .views import settings as views

app_name = "settings"

urlpatterns = [
    path("", views.settings_index_view, name="index"),
    path("hours/", views.hours_list_view, name="hours"),
    path("hours/new/", views.hours_edit_view, name="hours_new"),
    path("hours/new/preview/", views.hours_preview_view, name="hours_new_preview"),
    path("hours/<int:pk>/", views.hours_edit_view, name="hours_edit"),
    path("hours/<int:pk>/preview/", views.hours_preview_view, name="hours_preview"),
    path("sla/", views.sla_list_view, name="sla"),
    path("sla/new/", views.sla_edit_view, name="sla_new"),
    path("sla/new/preview/", views.sla_preview_view, name="sla_new_preview"),
    path("sla/<int:pk>/", views.sla_edit_view, name="sla_edit"),
    path("sla/<int:pk>/preview/", views.sla_preview_view, name="sla_preview"),
    path("macros/", views.macros_list_view, name="macros"),
    path("macros/new/", views.macro_edit_view, name="macro_new"),
    path("macros/new/preview/", views.macro_preview_view, name="macro_new_preview"),
    path("macros/<int:pk>/", views.macro_edit_view, name="macro_edit"),
    path("macros/<int:pk>/preview/", views.macro_preview_view, name="macro_preview"),
]
