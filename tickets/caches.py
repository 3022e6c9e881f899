"""Every cached read of tickets/, and the writes that move it (core/cache.py explains versions).

TicketsConfig.ready() wires this table (core.cache.wire): nothing else in tickets/ forgets a
cached value. A read kept here may depend on teams' models (tickets may import teams): it is
declared here, with the app that reads it. A write that sends no signal (bulk_create,
QuerySet.update) is followed by `core.cache.written(Model)`, which moves what the tables say
for that model.

Not in the table, because no write is to forget them: the unread-notifications count of the
nav badge (tickets.selectors.notifications_unread_count) is written through by every write to
notices (tickets.services.notify), and a sign-in puts it in the cache (TicketsConfig.ready);
the queue's team-wide counts (tickets.selectors.queue_counts) move with everyone's work and
are kept QUEUE_COUNTS_SECONDS by design. Who is viewing a ticket and the rate limits are
state kept in the cache, not reads of rows.

To add a cached read: declare a CachedRead below with every model whose rows it is read from
(narrowed with fields=/ignore=, or row= when a write concerns one entry), read it under
`READ.key(...)` or through a core.memo.Memo(READ.version_key, size=...), and add it to
CACHED_READS."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from core.cache import CachedRead, Writes
from teams.models import Agent, PolicyArticle, PolicyVersion, Team, Vendor

from .models import (
    Category,
    Macro,
    RiskPhraseSet,
    RoutingRule,
    SavedView,
    SLAPolicy,
    TeamServiceSettings,
    WebhookEndpoint,
)

# Saves of these fields alone change nothing an option list or a picker shows.
NOT_LISTED = frozenset({"presence", "presence_since", "last_login", "updated_at"})

CHOICES = CachedRead(
    "tickets:choices",
    "The option lists: the workspace's pickers (macros, categories, assignees) and escalation "
    "routes in process memory (tickets.choices.choices), the queue's and the dashboards' "
    "filter selects per access scope in the shared cache (tickets.choices.cached_for_scope).",
    moved_by=tuple(
        Writes(model, ignore=NOT_LISTED)
        for model in (
            Macro,
            PolicyArticle,
            PolicyVersion,
            Category,
            Agent,
            get_user_model(),
            Team,
            Vendor,
            TeamServiceSettings,
            SLAPolicy,
        )
    ),  # fmt: skip
    after_migrate=True,
)

ROUTING = CachedRead(
    "tickets:routing",
    "The active routing rules with their categories, and the teams, in process memory "
    "(tickets.services.routing.routing_config: every new ticket).",
    moved_by=(Writes(RoutingRule), Writes(RoutingRule.categories.through), Writes(Team)),
)

WEBHOOK_ENDPOINTS = CachedRead(
    "tickets:webhook-endpoints",
    "The active webhook endpoints and their events, in process memory "
    "(tickets.services.webhooks: every ticket write asks who subscribes).",
    moved_by=(Writes(WebhookEndpoint),),
)

SAVED_VIEWS = CachedRead(
    "tickets:saved-views",
    "Each user's saved queue views (tickets.selectors.saved_views_for: every queue page).",
    moved_by=(Writes(SavedView, row=lambda view: view.user_id),),
)

RISK_PHRASES = CachedRead(
    "tickets:risk-phrases",
    "The imminent-risk phrases of every language, compiled, in process memory "
    "(tickets.services.risk.risk_matcher: every new ticket).",
    moved_by=(Writes(RiskPhraseSet),),
)

CACHED_READS = (CHOICES, ROUTING, WEBHOOK_ENDPOINTS, SAVED_VIEWS, RISK_PHRASES)
