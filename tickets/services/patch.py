"""One partial update from the API: several field changes, one version check, one transaction."""

from __future__ import annotations

from django.db import transaction

from ..models import Ticket
from ._base import lock
from .fields import ticket_tag, ticket_untag, ticket_update
from .workflow import ticket_assign, ticket_change_status

_ASSIGNEE_UNSET = object()


@transaction.atomic
def ticket_patch(
    *,
    ticket: Ticket,
    by,
    version: int,
    status: str | None = None,
    assignee=_ASSIGNEE_UNSET,
    override_reason: str = "",
    add_tags=(),
    remove_tags=(),
    **fields,
) -> Ticket:
    """Apply field changes, then status, assignee and tags, all or nothing.

    `override_reason` is a lead's reason to assign past the exposure rule (ticket_assign).
    `version` is checked once, before anything changes (StaleVersionError otherwise);
    each step records its own TicketEvents and the version moves on once per step.
    """
    lock(ticket, version)
    if fields:
        ticket_update(ticket=ticket, by=by, **fields)
    if status:
        ticket_change_status(ticket=ticket, by=by, status=status)
    if assignee is not _ASSIGNEE_UNSET:
        ticket_assign(ticket=ticket, by=by, assignee=assignee, override_reason=override_reason)
    if add_tags:
        ticket_tag(ticket=ticket, by=by, names=add_tags)
    if remove_tags:
        ticket_untag(ticket=ticket, by=by, names=remove_tags)
    return Ticket.objects.select_related("requester", "category", "team", "assignee").get(
        pk=ticket.pk
    )
