"""Every metrics write with a rule, one module per concern; import from here."""

from .rollups import rollup_backfill, rollup_rebuild_days, rollup_refresh, ticket_metrics_recompute

__all__ = ["rollup_backfill", "rollup_rebuild_days", "rollup_refresh", "ticket_metrics_recompute"]
