"""REST API for tickets (registered in support/api_urls.py)."""

from .escalations import EscalationViewSet
from .notifications import NotificationViewSet
from .views import AttachmentViewSet, TicketViewSet

__all__ = ["AttachmentViewSet", "EscalationViewSet", "NotificationViewSet", "TicketViewSet"]
