"""Project-level views: the role-aware home redirect, the health probe, and 404/500 pages that
answer API callers in JSON."""

from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import redirect
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from teams.permissions import home_url_name

from .health import broker_ok, cache_ok, database_ok


@login_required
def home_view(request):
    """Send each role to where it works: associate → queue, lead → team, manager → overview."""
    return redirect(home_url_name(request.user))


@never_cache
@require_GET
def healthz_view(request):
    """200 "ok"; 200 "degraded" naming the broker or cache (Redis) when it is down, since the
    desk still serves then (README "When Redis is down") and a load balancer must keep
    sending traffic; 503 "unavailable" only when the database is down."""
    db_up, db_detail = database_ok()
    broker_up, broker_detail = broker_ok()
    cache_up, cache_detail = cache_ok()
    status = "ok" if broker_up and cache_up else "degraded"
    body = {
        "status": status if db_up else "unavailable",
        "database": {"ok": db_up, "detail": db_detail},
        "broker": {"ok": broker_up, "detail": broker_detail},
        "cache": {"ok": cache_up, "detail": cache_detail},
    }
    return JsonResponse(body, status=200 if db_up else 503)


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def not_found_view(request, exception=None):
    """404: JSON under /api/ (a URL the router does not know, e.g. /api/v1/tickets/abc/),
    the usual page elsewhere."""
    if _is_api(request):
        return JsonResponse({"detail": "Not found."}, status=404)
    return defaults.page_not_found(request, exception)


def server_error_view(request):
    if _is_api(request):
        return JsonResponse({"detail": "Server error."}, status=500)
    return defaults.server_error(request)
