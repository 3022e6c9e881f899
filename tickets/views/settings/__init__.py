"""The Settings area: a landing page listing the sections the viewer may use, and one module
per section (business hours, SLA policies; later routing, macros, triggers, fields, QA,
teams, targets). Access is decided in tickets.permissions (settings_sections and each
section's predicate); every change goes through tickets.services.settings (validated,
audited before/after)."""

from .hours import hours_edit_view, hours_list_view, hours_preview_view
from .landing import settings_index_view
from .macros import macro_edit_view, macro_preview_view, macros_list_view
from .sla import sla_edit_view, sla_list_view, sla_preview_view

__all__ = [
    "hours_edit_view",
    "hours_list_view",
    "hours_preview_view",
    "macro_edit_view",
    "macro_preview_view",
    "macros_list_view",
    "settings_index_view",
    "sla_edit_view",
    "sla_list_view",
    "sla_preview_view",
]
