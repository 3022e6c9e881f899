"""The REST API (Django REST framework) and its OpenAPI schema (drf-spectacular)."""

from .base import env

# --- REST API -------------------------------------------------------------------------
REST_FRAMEWORK = {
    # Personal API tokens first (so an anonymous caller gets 401 with WWW-Authenticate), then
    # the browser session. teams/api_auth.py: tokens, their scope, and the throttles.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "teams.api_auth.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "teams.api_auth.TokenScopePermission",
    ],
    "DEFAULT_THROTTLE_CLASSES": ["teams.api_auth.UserThrottle", "teams.api_auth.AnonThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "user": env.str("API_THROTTLE_USER", default="600/minute"),
        "anon": env.str("API_THROTTLE_ANON", default="60/minute"),
    },
    # Client address for the anonymous rate: REMOTE_ADDR when 0, else the address that many
    # proxies back in X-Forwarded-For (set 1 behind one reverse proxy).
    "NUM_PROXIES": env.int("NUM_PROXIES", default=0),
    "DEFAULT_SCHEMA_CLASS": "support.api_schema.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.CursorPagination",
    "PAGE_SIZE": 50,
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Frontline API",
    "DESCRIPTION": "Support desk API: tickets, messages, queues. Session or personal API token auth.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    # PATCH bodies as the serializer declares them (the ticket PATCH requires `version`),
    # not a copy with every field optional.
    "COMPONENT_SPLIT_PATCH": False,
    # Swagger UI served from our own static files (no CDN; works offline and under the CSP).
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # teams: the presence choice set appears in two serializers; give it one name.
    "ENUM_NAME_OVERRIDES": {"PresenceEnum": "teams.models.Presence"},
}
