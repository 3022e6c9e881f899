"""App configs of the project package (wiring only)."""

from django.contrib.admin.apps import AdminConfig


class FrontlineAdminConfig(AdminConfig):
    """django.contrib.admin with FrontlineAdminSite as `admin.site`."""

    default_site = "support.admin.FrontlineAdminSite"
