"""URL wiring: each app's urls under its prefix, auth views, API schema and docs, health."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from tickets.views import public as tickets_public

from . import views

urlpatterns = [
    path("", views.home_view, name="home"),
    path("healthz", views.healthz_view, name="healthz"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password-reset/", auth_views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("account/", include("teams.account_urls")),
    path("tickets/", include("tickets.urls")),
    path("help/", include("tickets.public_urls")),
    path("settings/", include("tickets.settings_urls")),
    path("inbound/email/", tickets_public.inbound_email_view, name="inbound_email"),
    path("teams/", include("teams.urls")),
    path("account/tokens/", include("teams.token_urls")),
    path("metrics/", include("metrics.urls")),
    path("api/v1/", include("support.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="swagger-ui"),
    path("admin/", admin.site.urls),
]

handler404 = views.not_found_view
handler500 = views.server_error_view
