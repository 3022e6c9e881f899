"""REST API for tickets (registered in support/api_urls.py)."""

from .attachments import AttachmentViewSet
from .escalations import EscalationViewSet
from .notifications import NotificationViewSet
from .tickets import TicketViewSet

__all__ = ["AttachmentViewSet", "EscalationViewSet", "NotificationViewSet", "TicketViewSet"]
