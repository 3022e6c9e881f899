"""Keeping TicketMetric rows and the rollups current, one module per step:
ticket_metrics (each ticket's figures) → daily (whole UTC days, and the coarser rows summed
from them: summing, weekly) → refresh (the incremental refresh from a watermark, and the
backfill of history). days holds the UTC day keys they share. Import from here."""

from .check import rollup_check_day, rollup_check_yesterday
from .daily import agent_rollups_rebuild, rollup_rebuild_days
from .refresh import (
    BACKFILL,
    WATERMARK,
    rollup_backfill,
    rollup_backfill_pending_from,
    rollup_backfill_step,
    rollup_refresh,
    rollups_build_all,
)
from .summing import agent_rollups, team_rollups, team_sla_rollups
from .ticket_metrics import sla_ended_at, ticket_metric_values, ticket_metrics_recompute
from .weekly import weekly_rollups_rebuild

__all__ = [
    "BACKFILL",
    "WATERMARK",
    "agent_rollups",
    "agent_rollups_rebuild",
    "rollup_backfill",
    "rollup_check_day",
    "rollup_check_yesterday",
    "rollup_backfill_pending_from",
    "rollup_backfill_step",
    "rollup_rebuild_days",
    "rollup_refresh",
    "rollups_build_all",
    "sla_ended_at",
    "team_rollups",
    "team_sla_rollups",
    "ticket_metric_values",
    "ticket_metrics_recompute",
    "weekly_rollups_rebuild",
]
