"""Reads for ticket pages and endpoints, scoped by `visible_to`, one module per page or area.
Each page's reads run a fixed number of queries whatever the number of rows or messages.
Callers import from here: `from tickets.selectors import ticket_workspace`."""

from .escalations import (
    ESCALATION_RELATED,
    ESCALATION_STATES,
    escalation_list,
    escalations_visible_to,
)
from .notifications import (
    UNREAD_CAP,
    UNREAD_TTL,
    notifications_for,
    notifications_unread_count,
    notifications_unread_counts,
    unread_cache_key,
)
from .queue import (
    ALL_COUNT_CAP,
    ESCALATED_TAG,
    QUEUE_COUNTS_SECONDS,
    QUEUE_ROW_FIELDS,
    QUEUE_ROW_VALUES,
    QUEUE_VIEWS,
    escalated_q,
    queue_counts,
    queue_statement_key,
    saved_views_for,
    ticket_list_for_queue,
    ticket_parts_for_queue,
)
from .webhooks import webhook_deliveries_for, webhook_delivery_detail
from .workspace import (
    WORKSPACE_EVENTS,
    WORKSPACE_FIELDS,
    WORKSPACE_RELATED,
    ThreadMessage,
    Workspace,
    attachment_get_visible,
    legal_hold_in_force_for,
    macros_for,
    macros_for_teams_of,
    ticket_get_visible,
    ticket_workspace,
)

__all__ = [
    "ALL_COUNT_CAP",
    "ESCALATED_TAG",
    "ESCALATION_RELATED",
    "ESCALATION_STATES",
    "QUEUE_COUNTS_SECONDS",
    "QUEUE_ROW_FIELDS",
    "QUEUE_ROW_VALUES",
    "QUEUE_VIEWS",
    "UNREAD_CAP",
    "UNREAD_TTL",
    "WORKSPACE_EVENTS",
    "WORKSPACE_FIELDS",
    "WORKSPACE_RELATED",
    "ThreadMessage",
    "Workspace",
    "attachment_get_visible",
    "escalated_q",
    "escalation_list",
    "escalations_visible_to",
    "legal_hold_in_force_for",
    "macros_for",
    "macros_for_teams_of",
    "notifications_for",
    "notifications_unread_count",
    "notifications_unread_counts",
    "queue_counts",
    "queue_statement_key",
    "saved_views_for",
    "ticket_get_visible",
    "ticket_list_for_queue",
    "ticket_parts_for_queue",
    "ticket_workspace",
    "unread_cache_key",
    "webhook_deliveries_for",
    "webhook_delivery_detail",
]
