"""Every metrics write with a rule, one module per concern; import from here."""

from .alerts import product_feedback_file, trend_alerts_email
from .audit import export_audit, export_audited_stream
from .productive import productive_time_refresh
from .qa import (
    qa_dispute_resolve,
    qa_review_respond,
    qa_review_submit,
    qa_sample_week,
    qa_score,
    scorecard_publish,
)
from .reports import (
    export_filters,
    report_period,
    report_run,
    report_run_resend,
    report_schedule_delete,
    report_schedule_save,
    viewer_zone,
)
from .rollups import (
    rollup_backfill,
    rollup_backfill_pending_from,
    rollup_backfill_step,
    rollup_check_day,
    rollup_check_yesterday,
    rollup_rebuild_days,
    rollup_refresh,
    rollups_build_all,
    ticket_metrics_recompute,
)
from .scorecards import (
    qa_queue_pull,
    scorecard_content,
    scorecard_draft_save,
    scorecard_version_publish,
    version_snapshot,
    weight_shares,
)

__all__ = [
    "product_feedback_file",
    "trend_alerts_email",
    "export_audit",
    "export_audited_stream",
    "productive_time_refresh",
    "export_filters",
    "report_period",
    "report_run",
    "report_run_resend",
    "report_schedule_delete",
    "report_schedule_save",
    "viewer_zone",
    "qa_dispute_resolve",
    "qa_review_respond",
    "qa_review_submit",
    "qa_queue_pull",
    "qa_sample_week",
    "scorecard_content",
    "scorecard_draft_save",
    "scorecard_version_publish",
    "version_snapshot",
    "weight_shares",
    "qa_score",
    "rollup_backfill",
    "rollup_check_day",
    "rollup_check_yesterday",
    "rollup_backfill_pending_from",
    "rollup_backfill_step",
    "rollup_rebuild_days",
    "rollup_refresh",
    "rollups_build_all",
    "scorecard_publish",
    "ticket_metrics_recompute",
]
