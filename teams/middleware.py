"""Request-wide middleware of teams: the viewer's time zone, the request the audit trail records."""

import zoneinfo

from django.utils import timezone

from .models import Agent


class ViewerTimezoneMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        tz_name = None
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            try:
                tz_name = user.agent.time_zone
            except Agent.DoesNotExist:
                tz_name = None
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
        from .services.audit import current_request

        token = current_request.set(request)
        try:
            return self.get_response(request)
        finally:
            current_request.reset(token)
