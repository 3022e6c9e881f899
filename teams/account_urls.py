"""The signed-in person's own account pages, under /account/ (namespace "account")."""

from django.urls import path

from .views import account

app_name = "account"

urlpatterns = [
    path("", account.account_view, name="index"),
    path("two-factor/", account.two_factor_view, name="two_factor"),
    path("two-factor/verify/", account.two_factor_verify_view, name="two_factor_verify"),
    path("two-factor/recovery-codes/", account.two_factor_codes_view, name="two_factor_codes"),
    path(
        "two-factor/recovery-codes/new/",
        account.two_factor_regenerate_view,
        name="two_factor_regenerate",
    ),
    path("two-factor/disable/", account.two_factor_disable_view, name="two_factor_disable"),
    path("sessions/end-all/", account.logout_everywhere_view, name="logout_everywhere"),
]
