"""Reads for metrics pages and endpoints; import from `metrics.selectors`."""

from .breakdowns import csat_breakdown, handle_time_per_agent_day, sla_by_kind, sla_by_policy
from .dashboards import (
    backfill_pending_from,
    chart,
    lead_dashboard,
    live_queue,
    manager_dashboard,
    my_stats,
    per_associate,
    rollup_rows,
    today_vs_last_weeks,
    weekly_trends,
)
from .qa import (
    calibration,
    current_versions,
    last_sampled_week,
    open_disputes,
    qa_queue,
    review_detail,
    reviews_visible,
    scorecards_with_versions,
    ticket_with_thread,
    version_with_criteria,
)
from .summary import medians, summarize

__all__ = [
    "backfill_pending_from",
    "csat_breakdown",
    "handle_time_per_agent_day",
    "sla_by_kind",
    "sla_by_policy",
    "calibration",
    "current_versions",
    "open_disputes",
    "qa_queue",
    "last_sampled_week",
    "scorecards_with_versions",
    "review_detail",
    "reviews_visible",
    "ticket_with_thread",
    "version_with_criteria",
    "chart",
    "lead_dashboard",
    "live_queue",
    "manager_dashboard",
    "medians",
    "my_stats",
    "per_associate",
    "rollup_rows",
    "summarize",
    "today_vs_last_weeks",
    "weekly_trends",
]
