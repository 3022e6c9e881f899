"""Project-level views: the role-aware home redirect, the health probe, and 404/500 pages that
answer API callers in JSON."""

from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import redirect
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from teams.permissions import home_url_name

from .health import broker_ok, database_ok


@login_required
def home_view(request):
    """Send each role to where it works: associate → queue, lead → team, manager → overview."""
    return redirect(home_url_name(request.user))


@never_cache
@require_GET
def healthz_view(request):
    db_up, db_detail = database_ok()
    broker_up, broker_detail = broker_ok()
    healthy = db_up and broker_up
    body = {
        "status": "ok" if healthy else "unavailable",
        "database": {"ok": db_up, "detail": db_detail},
        "broker": {"ok": broker_up, "detail": broker_detail},
    }
    return JsonResponse(body, status=200 if healthy else 503)


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
