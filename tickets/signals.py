"""Caches only (never ticket workflow). Writes to routing rules, their categories or teams
move the routing configuration's version, so every process reads the rules again on its next
decision (services.routing.routing_config); writes to webhook endpoints do the same for the
subscribers every ticket write looks up (services.webhooks). A sign-in puts the person's
unread notifications count in the cache, so their pages read the nav badge without a query.
Writes to categories, teams, vendors, agents, users, macros, policies and escalation routes
move the version of the kept choices (tickets.choices: the workspace's pickers and escalation
routes, the queue's and the dashboards' filter selects), except the saves that only touch
presence or the last sign-in."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models.signals import m2m_changed, post_delete, post_migrate, post_save

from teams.models import Agent, PolicyArticle, PolicyVersion, Team, Vendor

from .models import (
    Category,
    Macro,
    RoutingRule,
    SavedView,
    SLAPolicy,
    TeamServiceSettings,
    WebhookEndpoint,
)

# Saves of these fields alone change nothing the filter choices or the pickers show.
_NOT_LISTED = frozenset({"presence", "presence_since", "last_login", "updated_at"})


def on_routing_write(sender, **kwargs):
    from .services.routing import routing_config_changed

    routing_config_changed()


def on_endpoint_write(sender, **kwargs):
    from .services.webhooks import webhook_endpoints_changed

    webhook_endpoints_changed()


def on_choices_write(sender, update_fields=None, **kwargs):
    from .choices import choices_changed

    if update_fields and set(update_fields) <= _NOT_LISTED:
        return
    choices_changed()


def on_saved_view_write(sender, instance, **kwargs):
    from django.core.cache import cache
    from django.db import transaction

    from .selectors import saved_views_key

    key = saved_views_key(instance.user_id)
    cache.delete(key)
    transaction.on_commit(lambda: cache.delete(key))


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
    post_save.connect(on_saved_view_write, sender=SavedView, dispatch_uid="saved-views-saved")
    post_delete.connect(on_saved_view_write, sender=SavedView, dispatch_uid="saved-views-gone")
    post_save.connect(on_endpoint_write, sender=WebhookEndpoint, dispatch_uid="webhooks-saved")
    post_delete.connect(on_endpoint_write, sender=WebhookEndpoint, dispatch_uid="webhooks-gone")
    choice_sources = (Macro, PolicyArticle, PolicyVersion, Category, Agent, get_user_model(),
                      Team, Vendor, TeamServiceSettings, SLAPolicy)  # fmt: skip
    for model in choice_sources:
        name = model._meta.label_lower
        post_save.connect(on_choices_write, sender=model, dispatch_uid=f"choices-{name}-saved")
        post_delete.connect(on_choices_write, sender=model, dispatch_uid=f"choices-{name}-gone")
    # Data migrations write through historical models, which send no signals.
    post_migrate.connect(on_choices_write, dispatch_uid="choices-migrated")
    m2m_changed.connect(
        on_routing_write,
        sender=RoutingRule.categories.through,
        dispatch_uid="routing-rule-categories",
    )
