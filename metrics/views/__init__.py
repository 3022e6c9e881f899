"""Metrics pages, one module per area; urls.py imports from here."""

from .coverage import coverage_view
from .dashboards import (
    csat_view,
    definitions_view,
    my_stats_view,
    overview_view,
    team_dashboard_view,
)
from .exports import export_download_view, exports_view, report_action_view, reports_view
from .feedback import feedback_detail_view, feedback_file_view, feedback_list_view
from .qa import (
    qa_calibration_view,
    qa_my_reviews_view,
    qa_pull_view,
    qa_queue_view,
    qa_review_detail_view,
    qa_review_view,
)
from .scorecards import (
    scorecard_edit_view,
    scorecard_preview_view,
    scorecard_publish_view,
    scorecards_view,
)

__all__ = [
    "qa_pull_view",
    "scorecard_edit_view",
    "scorecard_preview_view",
    "scorecard_publish_view",
    "scorecards_view",
    "coverage_view",
    "csat_view",
    "definitions_view",
    "export_download_view",
    "feedback_detail_view",
    "feedback_file_view",
    "feedback_list_view",
    "exports_view",
    "my_stats_view",
    "overview_view",
    "qa_calibration_view",
    "qa_my_reviews_view",
    "qa_queue_view",
    "qa_review_detail_view",
    "qa_review_view",
    "report_action_view",
    "reports_view",
    "team_dashboard_view",
]
