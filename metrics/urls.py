from django.urls import path

from . import views

app_name = "metrics"

urlpatterns = [
    path("team/", views.team_dashboard_view, name="team_dashboard"),
    path("overview/", views.overview_view, name="overview"),
    path("coverage/", views.coverage_view, name="coverage"),
    path("me/", views.my_stats_view, name="my_stats"),
    path("csat/", views.csat_view, name="csat"),
    path("feedback/", views.feedback_list_view, name="feedback_list"),
    path("feedback/file/", views.feedback_file_view, name="feedback_file"),
    path("feedback/<int:pk>/", views.feedback_detail_view, name="feedback_detail"),
    path("definitions/", views.definitions_view, name="definitions"),
    path("qa/", views.qa_queue_view, name="qa_queue"),
    path("qa/mine/", views.qa_my_reviews_view, name="qa_mine"),
    path("qa/pull/", views.qa_pull_view, name="qa_pull"),
    path("qa/scorecards/", views.scorecards_view, name="scorecards"),
    path("qa/scorecards/new/", views.scorecard_edit_view, name="scorecard_new"),
    path("qa/scorecards/new/preview/", views.scorecard_preview_view, name="scorecard_new_preview"),
    path("qa/scorecards/<int:pk>/", views.scorecard_edit_view, name="scorecard_edit"),
    path(
        "qa/scorecards/<int:pk>/preview/",
        views.scorecard_preview_view,
        name="scorecard_preview",
    ),
    path(
        "qa/scorecard-versions/<int:pk>/publish/",
        views.scorecard_publish_view,
        name="scorecard_publish",
    ),
    path("qa/tickets/<int:ticket_pk>/review/", views.qa_review_view, name="qa_review"),
    path(
        "qa/tickets/<int:ticket_pk>/calibration/",
        views.qa_calibration_view,
        name="qa_calibration",
    ),
    path("qa/reviews/<int:pk>/", views.qa_review_detail_view, name="qa_review_detail"),
    path("exports/", views.exports_view, name="exports"),
    path("exports/download/", views.export_download_view, name="export_download"),
    path("reports/", views.reports_view, name="reports"),
    path(
        "reports/<int:pk>/<str:action>/",
        views.report_action_view,
        name="report_action",
    ),
]
