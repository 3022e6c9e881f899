"""Writes on people, one module per area; import from `teams.services`."""

from .account import (
    TwoFactorError,
    recovery_codes_left,
    sessions_end_all,
    two_factor_check,
    two_factor_confirm,
    two_factor_disable,
    two_factor_pending_device,
    two_factor_recovery_codes_regenerate,
)
from .audit import audit_record, audit_stream, current_request, pii_hash
from .coaching import (
    action_item_set_done,
    coaching_session_create,
    coaching_session_update,
    feedback_note_create,
)
from .exposure import (
    EXPOSURE_SETTINGS,
    exposure_consent_set,
    exposure_opt_out,
    exposure_record,
    exposure_work,
    team_exposure_settings_update,
)
from .people import agent_create, agent_set_role, agent_update, roles_sync_groups
from .policy import policy_acknowledge, policy_article_create, policy_publish
from .presence import presence_set
from .reveal import exposure_reveal_record
from .roster import RosterInvalid, RosterResult, roster_import
from .rota import (
    shift_exception_add,
    shift_template_delete,
    shift_template_set,
    shift_templates_replace,
    time_off_add,
)
from .tokens import api_token_create, api_token_revoke, api_token_touch

__all__ = [
    "EXPOSURE_SETTINGS",
    "exposure_consent_set",
    "exposure_work",
    "team_exposure_settings_update",
    "api_token_create",
    "api_token_revoke",
    "api_token_touch",
    "audit_record",
    "audit_stream",
    "current_request",
    "pii_hash",
    "TwoFactorError",
    "recovery_codes_left",
    "sessions_end_all",
    "two_factor_check",
    "two_factor_confirm",
    "two_factor_disable",
    "two_factor_pending_device",
    "two_factor_recovery_codes_regenerate",
    "policy_acknowledge",
    "policy_article_create",
    "policy_publish",
    "action_item_set_done",
    "coaching_session_create",
    "coaching_session_update",
    "feedback_note_create",
    "RosterInvalid",
    "RosterResult",
    "agent_update",
    "roster_import",
    "exposure_opt_out",
    "exposure_record",
    "exposure_reveal_record",
    "agent_create",
    "agent_set_role",
    "presence_set",
    "roles_sync_groups",
    "shift_exception_add",
    "shift_template_delete",
    "shift_template_set",
    "shift_templates_replace",
    "time_off_add",
]
