"""Presence changes: close the open stretch, open the next, mirror it on the agent."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from ..models import Agent, Presence, PresenceLog


@transaction.atomic
def presence_set(*, agent: Agent, status: str, at: datetime | None = None) -> Agent:
    """Put the agent in `status` from `at` (default now). Setting the current status again
    changes nothing. Raises ValidationError for an unknown status or a time before the
    current stretch began."""
    if status not in Presence.values:
        raise ValidationError(f"Unknown presence: {status}")
    at = at or timezone.now()
    agent = Agent.objects.select_for_update().get(pk=agent.pk)
    if agent.presence == status and agent.presence_since is not None:
        return agent
    current = PresenceLog.objects.filter(agent=agent, ended_at__isnull=True).first()
    if current is not None:
        if at < current.started_at:
            raise ValidationError("A presence change cannot be dated before the current one.")
        current.ended_at = at
        current.save(update_fields=["ended_at"])
    PresenceLog.objects.create(agent=agent, status=status, started_at=at)
    agent.presence, agent.presence_since = status, at
    agent.save(update_fields=["presence", "presence_since"])
    return agent
