"""Request-wide middleware of teams: the second sign-in factor, session inactivity, the
viewer's time zone, and the request the audit trail records."""

import time
import zoneinfo
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone

from .permissions import ENROL, VERIFY, agent_of, two_factor_step
from .services.audit import current_request

# URL names a session that still owes its second factor may reach, by what it owes.
_OPEN_WHILE = {
    VERIFY: {"account:two_factor_verify", "logout"},
    ENROL: {"account:two_factor", "account:two_factor_codes", "logout"},
}
_STEP_PAGE = {VERIFY: "account:two_factor_verify", ENROL: "account:two_factor"}


# Requests a page sends on its own (the workspace's presence and handle-time heartbeats):
# not activity.
BACKGROUND_URLS = {"tickets:presence", "tickets:work"}
LAST_ACTIVITY_KEY = "last_activity"
RENEWED_KEY = "renewed_at"
# The session is written back (its expiry and cookie renewed, the activity time moved) at most
# once in this many seconds, not on every request: a page view reads the session, it does not
# write it. The inactivity limit is kept to within this much.
RENEW_SECONDS = 60


class SessionIdleMiddleware:
    """Ends a session after SESSION_COOKIE_AGE seconds without a request the person made.

    The session store expires a session unused that long (this renews it at most once a
    minute), but an open ticket workspace sends heartbeats (presence, handle time) on its own,
    which would keep a session alive for as long as the tab stays open; they do not count as
    activity here.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            session, now = request.session, int(time.time())
            last = session.get(LAST_ACTIVITY_KEY)
            if last is not None and now - last > settings.SESSION_COOKIE_AGE:
                logout(request)
                return _idle_logout_response(request)
            if (last is None or now - last >= RENEW_SECONDS) and (
                _url_name(request) not in BACKGROUND_URLS
            ):
                session[LAST_ACTIVITY_KEY] = now
            if now - session.get(RENEWED_KEY, 0) >= RENEW_SECONDS:
                session[RENEWED_KEY] = now  # a change: the session is saved, its expiry renewed
        return self.get_response(request)


def mark_session_fresh(session) -> None:
    """A new sign-in counts as activity and as a renewal, so the first pages after it read the
    session without writing it back (teams.signals calls this on every login)."""
    now = int(time.time())
    session[LAST_ACTIVITY_KEY] = now
    session[RENEWED_KEY] = now


def _idle_logout_response(request):
    hours = round(settings.SESSION_COOKIE_AGE / 3600, 1)
    text = f"You were logged out after {hours:g} hours without activity."
    if request.path_info.startswith("/api/"):
        return JsonResponse({"detail": text}, status=401)
    if getattr(request, "htmx", False):
        response = HttpResponse(status=401)
        response["HX-Redirect"] = reverse("login")
        return response
    messages.info(request, text)
    return redirect_to_login(request.get_full_path())


class TwoFactorMiddleware:
    """Holds a logged-in session that owes a second factor (teams.permissions.two_factor_step)
    at the page that settles it: pages are redirected there, htmx gets HX-Redirect, and API
    calls on the session get a 403 that says why. Token-authenticated API calls carry no
    session user here, so they are not affected."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        step = two_factor_step(getattr(request, "user", None))
        request.two_factor_step = step  # base.html hides the navigation while one is owed
        if step is None or _url_name(request) in _OPEN_WHILE[step]:
            return self.get_response(request)
        target = reverse(_STEP_PAGE[step])
        if request.method == "GET" and not request.path_info.startswith("/api/"):
            target = f"{target}?{urlencode({'next': request.get_full_path()})}"
        what = "Enter your authentication code" if step == VERIFY else "Set up two-factor sign-in"
        if request.path_info.startswith("/api/"):
            return JsonResponse({"detail": f"Two-factor sign-in required: {what} at {target}"}, status=403)  # fmt: skip
        if getattr(request, "htmx", False):
            response = JsonResponse({"detail": what}, status=403)
            response["HX-Redirect"] = target
            return response
        return redirect(target)


def _url_name(request) -> str | None:
    try:
        return resolve(request.path_info).view_name
    except Resolver404:
        return None


class ViewerTimezoneMiddleware:
    """Show every time in the viewer's time zone (stored in UTC)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        tz_name = None
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            agent = agent_of(user)  # with its team, once a request (teams.permissions)
            tz_name = agent.time_zone if agent else None
        if tz_name:
            timezone.activate(zoneinfo.ZoneInfo(tz_name))
        else:
            timezone.deactivate()
        return self.get_response(request)


class AuditRequestMiddleware:
    """Make the request being served known to `teams.services.audit_record` (IP address,
    user agent) for the length of the request, without passing it through every service."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):

        token = current_request.set(request)
        try:
            return self.get_response(request)
        finally:
            current_request.reset(token)
