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
from .rollups import DailyRollup, RollupWatermark, TicketMetric

__all__ = [
    "Criterion",
    "DailyRollup",
    "QAAnswer",
    "QAQueueItem",
    "QAReview",
    "RollupWatermark",
    "Scorecard",
    "ScorecardSection",
    "ScorecardVersion",
    "TicketMetric",
]
