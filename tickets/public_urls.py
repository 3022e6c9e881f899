"""Public pages (no account): the help form at /help/."""

from django.urls import path

from .views import csat, public

app_name = "help"

urlpatterns = [
    path("", public.help_form_view, name="form"),
    path("thanks/<str:token>/", public.help_thanks_view, name="thanks"),
    path("rate/<str:token>/", csat.csat_rate_view, name="csat_rate"),
    path("feedback/<str:token>/", csat.csat_comment_view, name="csat_comment"),
]
