"""SLA policies from the Settings area: the preview before saving ("applies to N open
tickets; M would be past due now") and the save, applied to new tickets only (a new version;
the previous one stays for older tickets) or recomputed on open ones without an escalation
flood (settings.recompute)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from ...models import SLAPolicy, Ticket, TicketSLA
from ...models.sla import sla_policy_value_errors
from ..sla import Clock
from ..sla_targets import policy_matches, sla_batch, team_calendar
from .audit import setting_audit
from .recompute import sla_recompute_later

SECTION = "sla_policies"
APPLY_NEW = "new"
APPLY_RECOMPUTE = "recompute"
FIELDS = (
    "name",
    "position",
    "active",
    "priorities",
    "channels",
    "requester_tiers",
    "pause_statuses",
    "first_reply_minutes",
    "next_reply_minutes",
    "resolution_minutes",
    "business_time",
    "at_risk_share",
)
EDITABLE = tuple(f for f in FIELDS if f != "requester_tiers")
Kind = TicketSLA.Kind


def policy_snapshot(policy: SLAPolicy | None) -> dict | None:
    """The policy's values as the audit trail keeps them (categories and teams by name)."""
    if policy is None or policy.pk is None:
        return None
    values = {f: getattr(policy, f) for f in FIELDS}
    values["categories"] = sorted(c.name for c in policy.categories.all())
    values["teams"] = sorted(t.name for t in policy.teams.all())
    for name in ("created_from", "created_before"):
        value = getattr(policy, name)
        values[name] = value.isoformat() if value else None
    return values


@dataclass(frozen=True)
class PolicyPreview:
    """What saving a policy would do to the open tickets now."""

    open_tickets: int
    applies_to: int
    past_due: int
    newly_past_due: int


def _targets(policy: SLAPolicy) -> dict[str, int]:
    minutes = {
        Kind.FIRST_REPLY: policy.first_reply_minutes,
        Kind.NEXT_REPLY: policy.next_reply_minutes,
        Kind.RESOLUTION: policy.resolution_minutes,
    }
    return {k: v for k, v in minutes.items() if v}


def _would_start(kind: str, ticket: Ticket, policy: SLAPolicy) -> bool:
    """A target the ticket has no running row for, that the policy would start at creation:
    resolution unless paused now, first reply while the requester awaits one."""
    if kind == Kind.RESOLUTION:
        return ticket.status not in policy.pause_statuses
    return (
        kind == Kind.FIRST_REPLY
        and ticket.first_reply_at is None
        and ticket.last_requester_reply_at is not None
    )


def _due_under(policy: SLAPolicy, ticket: Ticket, rows: dict[str, TicketSLA], now) -> list:
    """Due times the ticket's running targets would have under `policy` (paused ones left
    out), computed as sla_sync would."""
    clock = Clock(team_calendar(ticket.team_id, now), policy.business_time)
    dues = []
    for kind, minutes in _targets(policy).items():
        row = rows.get(kind)
        if row is not None:
            if row.paused_at is not None:
                continue
            dues.append(clock.add(row.started_at, minutes + row.paused_minutes))
        elif _would_start(kind, ticket, policy):
            dues.append(clock.add(ticket.created_at, minutes))
    return dues


def sla_policy_preview(
    *, draft: SLAPolicy, category_ids: set[int], team_ids: set[int], now: datetime | None = None
) -> PolicyPreview:
    """Among the open tickets, how many the draft (an unsaved policy, `pk` set when it edits
    one) would govern if recomputed now — the first active matching policy wins, in order —
    and how many of those would be past due at once (and how many only because of it)."""
    now = now or timezone.now()
    others = [
        (p, {c.pk for c in p.categories.all()}, frozenset(t.pk for t in p.teams.all()))
        for p in SLAPolicy.objects.filter(active=True)
        .exclude(pk=draft.pk)
        .prefetch_related("categories", "teams")
        if not sla_policy_value_errors(p)
    ]
    order = others + ([(draft, category_ids, frozenset(team_ids))] if draft.active else [])
    order.sort(key=lambda e: (e[0].position, e[0].pk or 2**62))
    tickets = list(
        Ticket.objects.unsolved()
        .order_by("pk")
        .only(
            "pk", "priority", "category_id", "team_id", "channel", "custom_fields", "status",
            "created_at", "first_reply_at", "last_requester_reply_at",
        )
    )  # fmt: skip
    running: dict[int, dict[str, TicketSLA]] = {}
    for row in TicketSLA.objects.filter(
        ticket__in=Ticket.objects.unsolved(), stopped_at__isnull=True
    ):
        running.setdefault(row.ticket_id, {})[row.kind] = row
    applies = past_due = newly = 0
    with sla_batch():
        for ticket in tickets:
            winner = next(
                (p for p, cats, teams in order if policy_matches(p, ticket, cats, teams)), None
            )
            if winner is not draft:
                continue
            applies += 1
            rows = running.get(ticket.pk, {})
            if any(d <= now for d in _due_under(draft, ticket, rows, now)):
                past_due += 1
                was = any(
                    r.due_at and r.due_at <= now and r.paused_at is None for r in rows.values()
                )
                newly += not was
    return PolicyPreview(len(tickets), applies, past_due, newly)


def _apply(policy: SLAPolicy, values: dict, categories, teams) -> SLAPolicy:
    for name in EDITABLE:
        setattr(policy, name, values[name])
    policy.full_clean()
    policy.save()
    policy.categories.set(categories)
    policy.teams.set(teams)
    return policy


@transaction.atomic
def sla_policy_save(
    *,
    policy: SLAPolicy | None,
    values: dict,
    categories,
    teams,
    apply: str,
    by,
    now: datetime | None = None,
) -> SLAPolicy:
    """Create or change a policy (validated by the model: ValidationError), audited.

    `apply` = APPLY_RECOMPUTE: the policy applies to open tickets too; their targets are
    recomputed after commit, quietly (what becomes past due by the change is recorded as
    missed, never escalated). APPLY_NEW: only tickets created from now on — an edit keeps the
    current version for older tickets (its window ends now) and saves the change as a new
    version starting now, so no open ticket's due time moves."""
    now = now or timezone.now()
    if apply not in (APPLY_NEW, APPLY_RECOMPUTE):
        raise ValueError(f"Unknown apply mode {apply!r}")
    before = policy_snapshot(policy)
    if apply == APPLY_NEW and policy is not None:
        old = SLAPolicy.objects.select_for_update().get(pk=policy.pk)
        old.created_before = now
        old.full_clean()
        old.save(update_fields=["created_before", "updated_at"])
        setting_audit(by=by, target=old, section=SECTION, before=before, after=policy_snapshot(old))
        new = SLAPolicy(
            requester_tiers=old.requester_tiers,
            bump_priority=old.bump_priority,
            second_level_team=old.second_level_team,
            second_level_after_minutes=old.second_level_after_minutes,
            created_from=now,
        )
        policy, before = new, None
    elif policy is None:
        policy = SLAPolicy(created_from=now if apply == APPLY_NEW else None)
    _apply(policy, values, categories, teams)
    setting_audit(
        by=by, target=policy, section=SECTION, before=before, after=policy_snapshot(policy)
    )
    if apply == APPLY_RECOMPUTE:
        sla_recompute_later()
    return policy
