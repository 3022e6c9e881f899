"""People pages, one module per area; urls.py imports from here."""

from .audit import audit_export_view, audit_view
from .coaching import (
    action_item_done_view,
    coaching_log_view,
    coaching_session_new_view,
    coaching_session_view,
    feedback_create_view,
    my_coaching_view,
)
from .exposure import (
    my_consent_view,
    my_exposure_view,
    team_exposure_settings_view,
    team_exposure_view,
)
from .people import (
    member_edit_view,
    presence_set_view,
    team_detail_view,
    team_list_view,
)
from .policy import (
    my_acknowledgements_view,
    policy_acknowledge_view,
    policy_detail_view,
    policy_list_view,
    policy_publish_view,
)
from .roster import roster_import_view
from .schedule import (
    shift_delete_view,
    shift_exception_add_view,
    shift_save_view,
    team_schedule_view,
    time_off_add_view,
)

__all__ = [
    "audit_export_view",
    "audit_view",
    "my_acknowledgements_view",
    "policy_acknowledge_view",
    "policy_detail_view",
    "policy_list_view",
    "policy_publish_view",
    "action_item_done_view",
    "coaching_log_view",
    "coaching_session_new_view",
    "coaching_session_view",
    "feedback_create_view",
    "my_coaching_view",
    "member_edit_view",
    "my_consent_view",
    "my_exposure_view",
    "team_exposure_settings_view",
    "presence_set_view",
    "roster_import_view",
    "shift_delete_view",
    "shift_exception_add_view",
    "shift_save_view",
    "team_detail_view",
    "team_exposure_view",
    "team_list_view",
    "team_schedule_view",
    "time_off_add_view",
]
