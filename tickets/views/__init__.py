"""Ticket pages: thin — parse, authorize through the scope, call a selector or service, render."""

from .attachments import (
    attachment_download_view,
    attachment_preview_view,
    attachment_reveal_view,
    attachment_safe_view,
)
from .escalations import (
    escalation_acknowledge_view,
    escalation_bulk_acknowledge_view,
    escalation_list_view,
    escalation_resolve_view,
    notification_list_view,
    notifications_read_view,
)
from .queue import (
    queue_view,
    saved_view_create_view,
    saved_view_delete_view,
    ticket_claim_next_view,
)
from .workspace import (
    ticket_assign_view,
    ticket_escalate_view,
    ticket_fields_view,
    ticket_legal_hold_view,
    ticket_macro_view,
    ticket_merge_view,
    ticket_note_view,
    ticket_presence_view,
    ticket_preview_view,
    ticket_reply_view,
    ticket_status_view,
    ticket_tags_view,
    ticket_work_view,
    ticket_workspace_view,
)

__all__ = [
    "escalation_bulk_acknowledge_view",
    "escalation_acknowledge_view",
    "escalation_list_view",
    "escalation_resolve_view",
    "notification_list_view",
    "notifications_read_view",
    "ticket_escalate_view",
    "ticket_legal_hold_view",
    "attachment_download_view",
    "attachment_preview_view",
    "attachment_reveal_view",
    "attachment_safe_view",
    "queue_view",
    "saved_view_create_view",
    "saved_view_delete_view",
    "ticket_assign_view",
    "ticket_claim_next_view",
    "ticket_fields_view",
    "ticket_macro_view",
    "ticket_merge_view",
    "ticket_note_view",
    "ticket_presence_view",
    "ticket_preview_view",
    "ticket_reply_view",
    "ticket_status_view",
    "ticket_tags_view",
    "ticket_work_view",
    "ticket_workspace_view",
]
