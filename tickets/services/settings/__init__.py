"""The Settings area's writes and previews: each change validated by the model, audited with
its before and after, and its effect on open tickets applied without an escalation flood."""

from .hours import business_hours_preview, business_hours_save, hours_snapshot, weekly_rows
from .macros import macro_settings_save, macro_snapshot
from .recompute import sla_recompute_later, sla_recompute_quietly
from .sla_policies import (
    APPLY_NEW,
    APPLY_RECOMPUTE,
    PolicyPreview,
    policy_snapshot,
    sla_policy_preview,
    sla_policy_save,
)

__all__ = [
    "APPLY_NEW",
    "APPLY_RECOMPUTE",
    "PolicyPreview",
    "business_hours_preview",
    "business_hours_save",
    "hours_snapshot",
    "macro_settings_save",
    "macro_snapshot",
    "policy_snapshot",
    "sla_policy_preview",
    "sla_policy_save",
    "sla_recompute_later",
    "sla_recompute_quietly",
    "weekly_rows",
]
