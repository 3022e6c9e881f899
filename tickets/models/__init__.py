"""Tickets' models, one module per concern; every name is re-exported here."""

from .core import (
    Attachment,
    Category,
    Message,
    Requester,
    Tag,
    Ticket,
    TicketEvent,
    TicketLink,
)
from .csat import CSATResponse
from .escalation import Escalation
from .macros import Macro, SavedView
from .mail import BlockedSender, HeldEmail
from .outbox import OutboxMessage
from .privacy import LegalHold
from .routing import RoutingRule, TicketRouting
from .safety import AuthorityReport, ImminentRisk, ImminentRiskStep, RiskPhraseSet
from .sla import BusinessHours, Notification, SLAPolicy, TeamServiceSettings, TicketSLA
from .webhooks import WebhookAttempt, WebhookDelivery, WebhookEndpoint, WebhookEvent
from .work import WorkSession

__all__ = [
    "Attachment",
    "AuthorityReport",
    "Category",
    "Macro",
    "Message",
    "Requester",
    "SavedView",
    "Tag",
    "Ticket",
    "TicketEvent",
    "TicketLink",
    "BlockedSender",
    "BusinessHours",
    "CSATResponse",
    "Escalation",
    "ImminentRisk",
    "ImminentRiskStep",
    "HeldEmail",
    "LegalHold",
    "Notification",
    "OutboxMessage",
    "RiskPhraseSet",
    "RoutingRule",
    "SLAPolicy",
    "TeamServiceSettings",
    "TicketRouting",
    "TicketSLA",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEndpoint",
    "WebhookEvent",
    "WorkSession",
]
