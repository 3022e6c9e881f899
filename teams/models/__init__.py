"""teams models, one module per area; import from `teams.models`."""

from .people import (
    Agent,
    AgentPermissions,
    Role,
    Sensitivity,
    Team,
    Vendor,
    validate_time_zone,
)
from .rota import ShiftException, ShiftTemplate, TimeOff, Weekday

__all__ = [
    "Agent",
    "AgentPermissions",
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
