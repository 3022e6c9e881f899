"""Caches only (never ticket workflow). Writes to routing rules, their categories or teams
move the routing configuration's version, so every process reads the rules again on its next
decision (services.routing.routing_config); writes to webhook endpoints do the same for the
subscribers every ticket write looks up (services.webhooks). A sign-in puts the person's
unread notifications count in the cache, so their pages read the nav badge without a query."""

from __future__ import annotations

from django.db.models.signals import m2m_changed, post_delete, post_save

from teams.models import Team

from .models import RoutingRule, WebhookEndpoint


def on_routing_write(sender, **kwargs):
    from .services.routing import routing_config_changed

    routing_config_changed()


def on_endpoint_write(sender, **kwargs):
    from .services.webhooks import webhook_endpoints_changed

    webhook_endpoints_changed()


def on_login(sender, request, user, **kwargs):
    from .selectors import notifications_unread_count

    notifications_unread_count(user=user)


def connect() -> None:
    from django.contrib.auth.signals import user_logged_in

    user_logged_in.connect(on_login, dispatch_uid="notifications-unread-at-login")
    for model in (RoutingRule, Team):
        name = model._meta.model_name
        post_save.connect(on_routing_write, sender=model, dispatch_uid=f"routing-{name}-saved")
        post_delete.connect(on_routing_write, sender=model, dispatch_uid=f"routing-{name}-gone")
    post_save.connect(on_endpoint_write, sender=WebhookEndpoint, dispatch_uid="webhooks-saved")
    post_delete.connect(on_endpoint_write, sender=WebhookEndpoint, dispatch_uid="webhooks-gone")
    m2m_changed.connect(
        on_routing_write,
        sender=RoutingRule.categories.through,
        dispatch_uid="routing-rule-categories",
    )
