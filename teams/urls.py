from django.urls import path

from . import views

app_name = "teams"

urlpatterns = [
    path("", views.team_list_view, name="list"),
    path("me/presence/", views.presence_set_view, name="presence"),
    path("me/exposure/", views.my_exposure_view, name="my_exposure"),
    path("me/exposure/consent/", views.my_consent_view, name="my_consent"),
    path("me/coaching/", views.my_coaching_view, name="my_coaching"),
    path("me/acknowledgements/", views.my_acknowledgements_view, name="my_acknowledgements"),
    path("audit/", views.audit_view, name="audit"),
    path("audit/export.csv", views.audit_export_view, name="audit_export"),
    path("roster/import/", views.roster_import_view, name="roster_import"),
    path("policies/", views.policy_list_view, name="policies"),
    path("policies/new/", views.policy_publish_view, name="policy_new"),
    path(
        "policies/versions/<int:pk>/acknowledge/",
        views.policy_acknowledge_view,
        name="policy_acknowledge",
    ),
    path("policies/<slug:slug>/", views.policy_detail_view, name="policy_detail"),
    path("policies/<slug:slug>/publish/", views.policy_publish_view, name="policy_publish"),
    path("coaching/", views.coaching_log_view, name="coaching"),
    path("coaching/new/", views.coaching_session_new_view, name="coaching_new"),
    path("coaching/<int:pk>/", views.coaching_session_view, name="coaching_session"),
    path("coaching/items/<int:pk>/done/", views.action_item_done_view, name="action_item_done"),
    path("coaching/feedback/", views.feedback_create_view, name="feedback_create"),
    path("<slug:slug>/", views.team_detail_view, name="detail"),
    path("<slug:slug>/members/<int:pk>/edit/", views.member_edit_view, name="member_edit"),
    path("<slug:slug>/exposure/", views.team_exposure_view, name="exposure"),
    path(
        "<slug:slug>/exposure/settings/",
        views.team_exposure_settings_view,
        name="exposure_settings",
    ),
    path("<slug:slug>/schedule/", views.team_schedule_view, name="schedule"),
    path("<slug:slug>/schedule/shifts/", views.shift_save_view, name="shift_save"),
    path(
        "<slug:slug>/schedule/shifts/<int:pk>/delete/",
        views.shift_delete_view,
        name="shift_delete",
    ),
    path("<slug:slug>/schedule/time-off/", views.time_off_add_view, name="time_off_add"),
    path(
        "<slug:slug>/schedule/exceptions/",
        views.shift_exception_add_view,
        name="shift_exception_add",
    ),
]
