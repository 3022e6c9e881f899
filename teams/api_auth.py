"""How API callers prove who they are, what a token may do, and how fast anyone may call.

- ApiTokenAuthentication: `Authorization: Token <key>` or `Authorization: Bearer <key>` with a
  personal token from /account/tokens/. Unknown, expired or revoked tokens get 401; repeated
  failures from one address count against the anonymous rate and then get 429.
- TokenScopePermission (a default permission class, so every endpoint gets it): a read-only
  token may use GET/HEAD/OPTIONS only; anything else is 403 with the reason.
- UserThrottle / AnonThrottle: per user (whichever token or session) and per client address
  for callers without credentials; rates in REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"].
"""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions, permissions, throttling
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.settings import api_settings

from core.cache import cache_reachable

from .models import ApiToken
from .services.tokens import api_token_digest, api_token_touch

KEYWORDS = (b"token", b"bearer")
HEADER_HELP = (
    "Send `Authorization: Token <key>` (or `Bearer <key>`) with a key from /account/tokens/."
)


class _RateFromSettings:
    """Read the rate when the throttle is built, so changed settings (tests, reloads) apply."""

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)


class UserThrottle(_RateFromSettings, throttling.UserRateThrottle):
    """Per user: all of a person's tokens and their browser session share one budget."""

    scope = "user"


class RateLimitsDown(exceptions.APIException):
    """503: the anonymous rate cannot be counted (the cache, Redis, is down)."""

    status_code = 503
    default_code = "rate_limits_unavailable"
    default_detail = (
        "Requests without credentials are refused for now: their rate limit cannot be "
        "counted (a service we rely on is down). Signed-in users and API tokens still work; "
        "retry shortly."
    )
    wait = 60  # DRF's handler turns it into Retry-After


class AnonThrottle(_RateFromSettings, throttling.AnonRateThrottle):
    """Per client address, for requests without valid credentials. When the cache cannot
    count (Redis down) it fails closed with 503; signed-in callers are never counted here
    (UserThrottle then lets them through: nothing it keeps can be read)."""

    scope = "anon"

    def allow_request(self, request, view):
        if self.rate and not request.user.is_authenticated and not cache_reachable():
            raise RateLimitsDown()
        return super().allow_request(request, view)


class _FailedAuthThrottle(_RateFromSettings, throttling.SimpleRateThrottle):
    """Failed token checks spend the caller's anonymous budget (same cache key as
    AnonThrottle). Used inside authentication, where request.user is not known yet."""

    scope = "anon"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class ApiTokenAuthentication(BaseAuthentication):
    """Personal API tokens (teams.models.ApiToken); see the module docstring."""

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() not in KEYWORDS:
            return None  # not ours: session authentication may still apply
        if len(parts) != 2:
            self._fail(request, f"Malformed Authorization header. {HEADER_HELP}")
        try:
            secret = parts[1].decode("ascii")
        except UnicodeDecodeError:
            self._fail(request, "The token contains characters a token never has.")

        token = (
            ApiToken.objects.select_related("user")
            .filter(key_hash=api_token_digest(secret))
            .first()
        )
        now = timezone.now()
        if token is None:
            self._fail(request, "Unknown API token.")
        if token.revoked_at is not None:
            self._fail(request, "This API token was revoked.")
        if token.expires_at <= now:
            self._fail(request, f"This API token expired at {token.expires_at:%Y-%m-%d %H:%M} UTC.")
        if not token.user.is_active:
            self._fail(request, "The account this token belongs to is disabled.")
        api_token_touch(token=token, now=now)
        return token.user, token

    def authenticate_header(self, request):
        return 'Token realm="api"'

    def _fail(self, request, message: str):
        if not cache_reachable():  # failed tries cannot be counted: fail closed (503)
            raise RateLimitsDown()
        throttle = _FailedAuthThrottle()
        if not throttle.allow_request(request, None):
            raise exceptions.Throttled(throttle.wait())
        raise exceptions.AuthenticationFailed(message)


class TokenScopePermission(permissions.BasePermission):
    """A read-scoped token may only read. Sessions and write tokens pass; the role checks
    of each endpoint still apply after this."""

    message = (
        "This API token is read-only: it may use GET, HEAD and OPTIONS. "
        "Create a token with the write scope at /account/tokens/ to change data."
    )

    def has_permission(self, request, view):

        token = request.auth
        if isinstance(token, ApiToken) and not token.can_write:
            return request.method in permissions.SAFE_METHODS
        return True


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """How the OpenAPI schema describes ApiTokenAuthentication."""

    target_class = "teams.api_auth.ApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": (
                "A personal API token from /account/tokens/, sent as `Token <key>` or "
                "`Bearer <key>`. Read-scoped tokens may only read (403 otherwise); "
                "expired or revoked tokens get 401."
            ),
        }
