"""Show every time in the viewer's time zone (stored in UTC)."""

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
