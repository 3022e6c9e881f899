"""/account/tokens/ (included by support/urls.py)."""

from django.urls import path

from .views import tokens

app_name = "api_tokens"

urlpatterns = [
    path("", tokens.api_tokens_view, name="list"),
    path("<int:pk>/revoke/", tokens.api_token_revoke_view, name="revoke"),
]
