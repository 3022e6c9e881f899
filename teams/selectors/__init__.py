"""Reads on people for pages and other apps, one module per area; import from
`teams.selectors`."""

from .audit import audit_entries
from .coaching import coaching_sessions_for, feedback_for
from .exposure import (
    ExposureRow,
    agent_may_take_sensitive,
    exposure_count,
    exposure_count_this_shift,
    exposure_opted_out,
    exposure_per_hour,
    opt_outs_on,
    shift_window,
    team_exposure,
)
from .people import associates_of, team_list_for_user, team_members
from .policy import (
    TeamCompletion,
    my_acknowledgements,
    pending_acknowledgements,
    policy_articles_for,
    policy_completion,
    policy_versions_for,
)
from .presence import (
    agent_can_take_work,
    agent_productive_seconds,
    available_agents,
    presence_intervals,
    presence_intervals_by_agent,
    productive_seconds_by_day,
)
from .rota import (
    HourCoverage,
    WeekRow,
    agent_on_shift,
    agent_shift_intervals,
    agents_on_shift,
    coverage_by_local_day,
    rota_from_agent,
    rotas_prefetched,
    team_on_shift_per_hour,
    team_week_grid,
    teams_on_shift,
    teams_on_shift_per_hour,
    week_start_for,
)
from .tokens import api_tokens_of

__all__ = [
    "api_tokens_of",
    "audit_entries",
    "TeamCompletion",
    "my_acknowledgements",
    "pending_acknowledgements",
    "policy_articles_for",
    "policy_completion",
    "policy_versions_for",
    "coaching_sessions_for",
    "feedback_for",
    "WeekRow",
    "coverage_by_local_day",
    "team_week_grid",
    "week_start_for",
    "ExposureRow",
    "agent_may_take_sensitive",
    "exposure_count",
    "exposure_count_this_shift",
    "exposure_opted_out",
    "exposure_per_hour",
    "opt_outs_on",
    "shift_window",
    "team_exposure",
    "agent_can_take_work",
    "agent_productive_seconds",
    "available_agents",
    "presence_intervals",
    "presence_intervals_by_agent",
    "productive_seconds_by_day",
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
    "teams_on_shift",
    "teams_on_shift_per_hour",
]
