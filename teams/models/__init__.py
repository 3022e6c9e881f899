"""teams models, one module per area; import from `teams.models`."""

from .audit import AppendOnlyError, AuditEntry
from .coaching import ActionItem, CoachingSession, FeedbackNote
from .exposure import ExposureConsent, ExposureEntry, ExposureKind, ExposureOptOut
from .people import (
    Agent,
    AgentPermissions,
    Presence,
    Role,
    Sensitivity,
    Team,
    Vendor,
    validate_time_zone,
)
from .policy import PolicyAcknowledgement, PolicyArticle, PolicyVersion
from .presence import PresenceLog
from .reveal import ExposureReveal
from .rota import ShiftException, ShiftTemplate, TimeOff, Weekday
from .tokens import ApiToken

__all__ = [
    "ApiToken",
    "AppendOnlyError",
    "AuditEntry",
    "PolicyAcknowledgement",
    "PolicyArticle",
    "PolicyVersion",
    "ActionItem",
    "CoachingSession",
    "FeedbackNote",
    "ExposureConsent",
    "ExposureEntry",
    "ExposureKind",
    "ExposureOptOut",
    "ExposureReveal",
    "Agent",
    "AgentPermissions",
    "Presence",
    "PresenceLog",
    "Role",
    "Sensitivity",
    "ShiftException",
    "ShiftTemplate",
    "Team",
    "TimeOff",
    "Vendor",
    "Weekday",
    "validate_time_zone",
]
