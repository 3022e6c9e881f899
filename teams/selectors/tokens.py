"""Reads of API tokens."""

from django.db.models import QuerySet

from ..models import ApiToken


def api_tokens_of(*, user) -> QuerySet[ApiToken]:
    """The user's own tokens, newest first (revoked and expired ones included)."""
    return ApiToken.objects.filter(user=user).order_by("-created_at", "-id")
