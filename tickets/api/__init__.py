"""REST API for tickets (registered in support/api_urls.py)."""

from .escalations import EscalationViewSet
from .views import AttachmentViewSet, TicketViewSet

__all__ = ["AttachmentViewSet", "EscalationViewSet", "TicketViewSet"]
