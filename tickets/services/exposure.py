"""The exposure rule (teams' exposure_decision, asked through _base.assignment_decision) on the
paths where a person is handed a ticket other than get-next and push routing: a lead's
assignment, a reply that takes an unassigned ticket, a reopen, a merge. Refused with the rule's
reason, or — where a person decides (assignment, merge) — allowed by a lead's override with a
reason, which leaves a TicketEvent, an audit entry and a notice to the associate."""

from __future__ import annotations

from datetime import datetime

from teams.models import Agent, AuditEntry, ExposureKind, Sensitivity, Team
from teams.permissions import can_override_exposure
from teams.selectors import ExposureDecision, exposure_decision, kind_consented
from teams.services import audit_record

from .. import events
from ..models import Category, Ticket
from ._base import ExposureRefused, assignment_decision, exposure_caps
from .notify import notifications_create, ticket_label
from .outbox import outbox_add


def agent_of(user) -> Agent | None:
    """The agent profile (with its team) of a staff user; None for a superuser without one."""
    if user is None:
        return None
    return Agent.objects.select_related("team").filter(user=user).first()


def exposure_permit(
    *,
    ticket: Ticket,
    by,
    assignee,
    agent: Agent,
    decision: ExposureDecision,
    override_reason: str,
    now: datetime,
) -> None:
    """Let `assignee` (`agent`) be handed `ticket` although the rule refused it (`decision`):
    only by a lead, manager or admin over the agent's team, with a reason, and never past a
    missing clearance or consent. Records the override's trail; raises ExposureRefused (a
    PermissionDenied) with the rule's reason (and, to a lead, how to override) otherwise."""
    who = assignee.get_full_name() or assignee.get_username()
    refused = f"{who} cannot be handed this ticket: {decision.reason}."
    if not decision.overridable or by is None or not can_override_exposure(by, agent):
        raise ExposureRefused(refused)
    reason = override_reason.strip()
    if not reason:
        raise ExposureRefused(f"{refused} Give an override reason to assign it anyway.")
    events.record(ticket, by, "exposure_override", "assignee", decision.reason, reason, at=now)
    audit_record(
        actor=by,
        action=AuditEntry.Action.EXPOSURE_OVERRIDE,
        target=ticket,
        detail={"assignee": assignee.pk, "rule": decision.reason, "reason": reason},
        at=now,
    )
    lead = by.get_full_name() or by.get_username()
    notifications_create(
        items=[
            (
                assignee.pk,
                ticket.pk,
                "exposure_override",
                f"{lead} assigned you {ticket_label(ticket)} past your exposure limit"
                f" ({decision.reason}): {reason}",
            )
        ],
        now=now,
    )


def ensure_may_take_by_reply(*, ticket: Ticket, by, now: datetime) -> None:
    """A reply to an unassigned ticket makes it the replier's: refused (ExposureRefused,
    nothing written) when the exposure rule would not hand it to them now."""
    agent = agent_of(by)
    if ticket.assignee_id is not None or agent is None:
        return
    decision = assignment_decision(agent=agent, ticket=ticket, at=now)
    if not decision:
        raise ExposureRefused(
            f"Replying would make this ticket yours, but you cannot be handed it now: "
            f"{decision.reason}. Ask your lead to assign it."
        )


def reopen_keeps_assignee(*, ticket: Ticket, now: datetime) -> bool:
    """A ticket reopened (the requester wrote to a solved ticket, or someone moved it back to
    open) is handed to its assignee again: only if the exposure rule lets them take it now.
    Otherwise it goes back to its team's queue — the event says why, and a push-mode team
    auto-assigns it after commit. True when the caller must save "assignee"."""
    if ticket.assignee_id is None or ticket.category.sensitivity == Sensitivity.NONE:
        return False
    agent = agent_of(ticket.assignee_id)
    if agent is None:
        return False
    decision = assignment_decision(agent=agent, ticket=ticket, at=now)
    if decision:
        return False
    old = ticket.assignee_id
    ticket.assignee = None
    events.record(ticket, None, "assign", "assignee", old, "", at=now)
    events.record(ticket, None, "exposure_returned", "assignee", old, decision.reason, at=now)
    team_id = ticket.team_id
    if team_id and Team.objects.filter(pk=team_id, work_mode=Team.WorkMode.PUSH).exists():
        outbox_add(task="tickets.auto_assign", payload={"ticket_id": ticket.pk})
    return True


def merge_decision(*, target: Ticket, source_category: Category, now: datetime):
    """Merging a ticket of `source_category` into `target` hands its content to the target's
    assignee: (their agent, the rule's decision for that category), or (None, None) when the
    merge adds no kind of sensitive work they do not already hold."""
    source, held = source_category, target.category
    if target.assignee_id is None or source.sensitivity == Sensitivity.NONE:
        return None, None
    more = Sensitivity.rank(source.sensitivity) > Sensitivity.rank(held.sensitivity)
    other_kind = ExposureKind.of(source.exposure_kind) != ExposureKind.of(held.exposure_kind)
    if not more and not (other_kind or held.sensitivity == Sensitivity.NONE):
        return None, None
    agent = agent_of(target.assignee_id)
    if agent is None:
        return None, None
    decision = exposure_decision(
        agent=agent,
        sensitivity=source_category.sensitivity,
        kind=source_category.exposure_kind,
        at=now,
        caps=exposure_caps(team_id=agent.team_id, at=now),
    )
    return agent, decision


def ensure_consented(user, category: Category) -> None:
    """Raise ExposureRefused when `user` (an assignee) has not opted in to the kind of
    sensitive work of `category` (a ticket moved into it would hand them that work)."""
    if category.sensitivity == Sensitivity.NONE or agent_of(user) is None:
        return
    if not kind_consented(user=user, kind=category.exposure_kind):
        who = user.get_full_name() or user.get_username()
        label = ExposureKind(ExposureKind.of(category.exposure_kind)).label.lower()
        raise ExposureRefused(
            f"{who} has not opted in to {label} work: assign the ticket to someone else first."
        )
