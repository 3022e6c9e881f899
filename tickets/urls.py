from django.urls import path

from . import views

app_name = "tickets"

urlpatterns = [
    path("", views.queue_view, name="queue"),
    path("next/", views.ticket_claim_next_view, name="claim_next"),
    path("<int:pk>/", views.ticket_detail_view, name="detail"),
]
