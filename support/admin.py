"""Django admin behind the same door as the app: the app's login (lockout) and second factor."""

from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

from teams.permissions import ENROL, two_factor_step


class FrontlineAdminSite(admin.AdminSite):
    """The default admin site, except that staff must have passed the second factor
    (teams.permissions.two_factor_step) and there is no separate admin login form."""

    def has_permission(self, request):
        return super().has_permission(request) and two_factor_step(request.user) is None

    def login(self, request, extra_context=None):
        target = request.GET.get("next") or reverse("admin:index", current_app=self.name)
        step = two_factor_step(request.user)
        if step is not None:
            page = "account:two_factor" if step == ENROL else "account:two_factor_verify"
            return redirect(f"{reverse(page)}?{urlencode({'next': target})}")
        if self.has_permission(request):
            return redirect(target)
        if request.user.is_authenticated:
            raise PermissionDenied("Your account has no access to the admin site.")
        return redirect_to_login(target, reverse("login"))
