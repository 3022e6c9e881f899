"""REST API for tickets (registered in support/api_urls.py)."""

from .views import AttachmentViewSet, TicketViewSet

__all__ = ["AttachmentViewSet", "TicketViewSet"]
