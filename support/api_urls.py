"""The /api/v1/ router: each app registers its viewsets here."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from teams.api import MeView, PresenceView, TeamViewSet
from tickets.api import AttachmentViewSet, EscalationViewSet, NotificationViewSet, TicketViewSet

router = DefaultRouter()
router.register("tickets", TicketViewSet, basename="ticket")
router.register("attachments", AttachmentViewSet, basename="attachment")
router.register("escalations", EscalationViewSet, basename="escalation")
router.register("notifications", NotificationViewSet, basename="notification")
router.register("teams", TeamViewSet, basename="team")

urlpatterns = [
    path("me/", MeView.as_view(), name="api-me"),
    path("me/presence/", PresenceView.as_view(), name="api-me-presence"),
    path("metrics/", include("metrics.api_urls")),
    *router.urls,
]
