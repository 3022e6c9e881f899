"""Reads on people for pages and other apps, one module per area; import from
`teams.selectors`."""

from .people import associates_of, team_list_for_user, team_members
from .rota import (
    HourCoverage,
    agent_on_shift,
    agent_shift_intervals,
    agents_on_shift,
    rota_from_agent,
    rotas_prefetched,
    team_on_shift_per_hour,
)

__all__ = [
    "HourCoverage",
    "agent_on_shift",
    "agent_shift_intervals",
    "agents_on_shift",
    "associates_of",
    "rota_from_agent",
    "rotas_prefetched",
    "team_list_for_user",
    "team_members",
    "team_on_shift_per_hour",
]
