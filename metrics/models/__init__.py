"""Measurement models, one module per area; import from `metrics.models`."""

from .qa import (
    Criterion,
    QAAnswer,
    QAQueueItem,
    QAReview,
    Scorecard,
    ScorecardSection,
    ScorecardVersion,
)
from .reports import ReportRun, ReportSchedule
from .rollups import (
    AgentDay,
    DailyAgentRollup,
    DailyRollup,
    DailyTeamRollup,
    RollupWatermark,
    TicketMetric,
)

__all__ = [
    "AgentDay",
    "Criterion",
    "DailyAgentRollup",
    "DailyRollup",
    "DailyTeamRollup",
    "QAAnswer",
    "QAQueueItem",
    "QAReview",
    "ReportRun",
    "ReportSchedule",
    "RollupWatermark",
    "Scorecard",
    "ScorecardSection",
    "ScorecardVersion",
    "TicketMetric",
]
