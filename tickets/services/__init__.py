"""Every ticket write that has a rule: one function per use case, one transaction each.

Each function records TicketEvents for what it changed. Callers catch TransitionError,
StaleVersionError, PermissionDenied and ValidationError and turn them into 4xx responses.

The modules import each other one way, top to bottom (import-linter holds it):

    settings           the Settings area: calendars and SLA policies, previews, quiet recompute
    email_in | bulk
    macros | patch
    automation | fields
    workflow
    intake | authority
    routing | csat | escalation | claim | privacy | work | risk
    changes            ticket_changed: what a ticket write sets off, asked for by name
    sla | webhooks | safeview   safe view: blurred derivatives, reveals
    sla_targets        which policy, targets and calendar apply to a ticket
    calendars          business-hours rows read defensively (invalid: 24/7, admins told)
    notify
    _base | outbox     lock, save (persists, nothing else); work for Celery after commit

No service imports tickets.tasks: Celery work is asked for by task name through
core.effects.after_commit or through the outbox.
"""

from ..lifecycle import TransitionError
from ._base import ExposureRefused, StaleVersionError, ensure_cleared
from .authority import (
    authority_report_file,
    authority_report_open,
    authority_report_update,
    authority_report_viewed,
)
from .automation import pending_automation_sweep
from .bulk import BULK_ACTIONS, BULK_LIMIT, BulkChange, BulkResult, tickets_bulk_apply
from .changes import ticket_changed
from .claim import ClaimRefused, ticket_claim_next
from .email_in import IngestResult, email_ingest
from .escalation import (
    escalation_acknowledge,
    escalation_resolve,
    sla_sweep,
    ticket_escalate,
)
from .fields import ticket_merge, ticket_tag, ticket_untag, ticket_update
from .intake import (
    attachment_add,
    requester_get_or_create,
    ticket_create,
    ticket_submit_web,
)
from .macros import KEEP_STATUS, macro_changes, macro_render, macro_save, ticket_apply_macro
from .notify import notifications_create, notifications_mark_read
from .outbox import outbox_add, outbox_relay_pending, outbox_run
from .patch import ticket_patch
from .privacy import legal_hold_place, legal_hold_release, requester_erase, retention_run
from .risk import PROTOCOL, risk_phrases_save, risk_step_record
from .routing import routing_decide, ticket_auto_assign, ticket_route
from .safeview import (
    attachment_make_safe,
    attachment_reveal,
    attachments_make_safe,
    attachments_make_safe_all,
)
from .settings import sla_recompute_later
from .sla import sla_backfill, sla_policies_changed, sla_resync_unsolved, sla_sync
from .sla_history import SLAHistory, sla_history_rows
from .sla_targets import sla_batch
from .work import work_heartbeat
from .workflow import (
    ticket_add_note,
    ticket_assign,
    ticket_change_status,
    ticket_record_view,
    ticket_reply,
    ticket_requester_reply,
)

__all__ = [
    "PROTOCOL",
    "authority_report_file",
    "authority_report_open",
    "authority_report_update",
    "authority_report_viewed",
    "risk_phrases_save",
    "risk_step_record",
    "sla_recompute_later",
    "BULK_ACTIONS",
    "BULK_LIMIT",
    "BulkChange",
    "BulkResult",
    "ExposureRefused",
    "tickets_bulk_apply",
    "work_heartbeat",
    "ClaimRefused",
    "IngestResult",
    "StaleVersionError",
    "TransitionError",
    "attachment_add",
    "attachment_make_safe",
    "attachments_make_safe",
    "attachments_make_safe_all",
    "attachment_reveal",
    "email_ingest",
    "escalation_acknowledge",
    "escalation_resolve",
    "notifications_create",
    "notifications_mark_read",
    "outbox_add",
    "outbox_relay_pending",
    "outbox_run",
    "pending_automation_sweep",
    "legal_hold_place",
    "legal_hold_release",
    "requester_erase",
    "retention_run",
    "routing_decide",
    "sla_sweep",
    "ticket_auto_assign",
    "ticket_route",
    "SLAHistory",
    "sla_backfill",
    "sla_batch",
    "sla_history_rows",
    "sla_policies_changed",
    "sla_resync_unsolved",
    "sla_sync",
    "ticket_escalate",
    "ensure_cleared",
    "KEEP_STATUS",
    "macro_changes",
    "macro_render",
    "macro_save",
    "requester_get_or_create",
    "ticket_add_note",
    "ticket_apply_macro",
    "ticket_assign",
    "ticket_changed",
    "ticket_change_status",
    "ticket_claim_next",
    "ticket_create",
    "ticket_merge",
    "ticket_patch",
    "ticket_record_view",
    "ticket_reply",
    "ticket_submit_web",
    "ticket_requester_reply",
    "ticket_tag",
    "ticket_untag",
    "ticket_update",
]
