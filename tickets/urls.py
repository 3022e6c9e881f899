from django.urls import path

from . import views
from .views import bulk, mail, safety, spam, webhooks

app_name = "tickets"

urlpatterns = [
    path("", views.queue_view, name="queue"),
    path("next/", views.ticket_claim_next_view, name="claim_next"),
    path("views/", views.saved_view_create_view, name="save_view"),
    path("bulk/", bulk.tickets_bulk_view, name="bulk"),
    path("escalations/", views.escalation_list_view, name="escalations"),
    path(
        "escalations/acknowledge/",
        views.escalation_bulk_acknowledge_view,
        name="escalation_bulk_acknowledge",
    ),
    path(
        "escalations/<int:pk>/acknowledge/",
        views.escalation_acknowledge_view,
        name="escalation_acknowledge",
    ),
    path("escalations/<int:pk>/resolve/", views.escalation_resolve_view, name="escalation_resolve"),
    path("notifications/", views.notification_list_view, name="notifications"),
    path("notifications/read/", views.notifications_read_view, name="notifications_read"),
    path("views/<int:pk>/delete/", views.saved_view_delete_view, name="delete_view"),
    path("<int:pk>/", views.ticket_workspace_view, name="detail"),
    path("<int:pk>/reply/", views.ticket_reply_view, name="reply"),
    path("<int:pk>/note/", views.ticket_note_view, name="note"),
    path("<int:pk>/status/", views.ticket_status_view, name="status"),
    path("<int:pk>/fields/", views.ticket_fields_view, name="fields"),
    path("<int:pk>/assign/", views.ticket_assign_view, name="assign"),
    path("<int:pk>/tags/", views.ticket_tags_view, name="tags"),
    path("<int:pk>/merge/", views.ticket_merge_view, name="merge"),
    path("<int:pk>/escalate/", views.ticket_escalate_view, name="escalate"),
    path("<int:pk>/legal-hold/", views.ticket_legal_hold_view, name="legal_hold"),
    path("<int:pk>/risk-step/", safety.ticket_risk_step_view, name="risk_step"),
    path("<int:pk>/authority-report/", safety.authority_report_view, name="authority_report"),
    path(
        "<int:pk>/authority-report/export.json",
        safety.authority_report_export_view,
        name="authority_report_export",
    ),
    path(
        "<int:pk>/authority-report/print/",
        safety.authority_report_print_view,
        name="authority_report_print",
    ),
    path("safety/phrases/", safety.risk_phrases_view, name="risk_phrases"),
    path("<int:pk>/preview/", views.ticket_preview_view, name="preview"),
    path("<int:pk>/macro/", views.ticket_macro_view, name="macro"),
    path("<int:pk>/presence/", views.ticket_presence_view, name="presence"),
    path("<int:pk>/work/", views.ticket_work_view, name="work"),
    path("attachments/<int:pk>/", views.attachment_download_view, name="attachment"),
    path("attachments/<int:pk>/preview/", views.attachment_preview_view, name="attachment_preview"),
    path("attachments/<int:pk>/safe/", views.attachment_safe_view, name="attachment_safe"),
    path("attachments/<int:pk>/email/", mail.attachment_email_view, name="attachment_email"),
    path("attachments/<int:pk>/reveal/", views.attachment_reveal_view, name="attachment_reveal"),
    path("spam/", spam.spam_list_view, name="spam"),
    path("spam/<int:pk>/not-spam/", spam.spam_release_view, name="spam_release"),
    path("spam/<int:pk>/delete/", spam.spam_delete_view, name="spam_delete"),
    path("spam/<int:pk>/block/", spam.spam_block_view, name="spam_block"),
    path("webhooks/", webhooks.webhook_endpoints_view, name="webhooks"),
    path("webhooks/<int:pk>/", webhooks.webhook_endpoint_view, name="webhook_endpoint"),
    path("webhooks/<int:pk>/rotate/", webhooks.webhook_rotate_view, name="webhook_rotate"),
    path("webhooks/deliveries/", webhooks.webhook_deliveries_view, name="webhook_deliveries"),
    path("webhooks/deliveries/<int:pk>/", webhooks.webhook_delivery_view, name="webhook_delivery"),
    path(
        "webhooks/deliveries/<int:pk>/replay/",
        webhooks.webhook_replay_view,
        name="webhook_replay",
    ),
]
