"""Measurement models, one module per area; import from `metrics.models`."""

from .alerts import ProductFeedback, TrendAlertNotice
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
    DailySLARollup,
    DailyTeamRollup,
    DailyTeamSLARollup,
    RollupWatermark,
    TicketMetric,
    WeeklyAgentRollup,
    WeeklyTeamRollup,
)

__all__ = [
    "AgentDay",
    "Criterion",
    "DailyAgentRollup",
    "DailyRollup",
    "DailySLARollup",
    "DailyTeamRollup",
    "DailyTeamSLARollup",
    "ProductFeedback",
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
    "TrendAlertNotice",
    "WeeklyAgentRollup",
    "WeeklyTeamRollup",
]
