"""Routing a new ticket: rules (first match wins, default last), follow-the-sun, push mode.

`routing_decide` is a pure read: which rule matches and which team gets the ticket now (the
rules and teams come from process memory while their cache version stands, who is on shift
from teams_on_shift's cache: no query when warm). ticket_create applies the decision before
the ticket's INSERT and records it after (`routing_apply`, `routing_record`: TicketRouting
row + a "routed" TicketEvent); `ticket_route` does both for a ticket already saved; `ticket_return_to_owner` sends a
follow-the-sun ticket back to its owner team when it opens again unassigned. Push-mode teams auto-assign after commit through
the outbox (so a broker outage loses no assignment) via `ticket_auto_assign`: the available,
skilled agent with the least open load under capacity.
"""

from __future__ import annotations

from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from core.memo import Memo
from teams.models import Agent, Sensitivity, Team
from teams.selectors import available_agents, teams_on_shift

from .. import events
from ..caches import ROUTING
from ..models import Category, RoutingRule, Tag, Ticket, TicketRouting
from ._base import assignment_decision, exposure_caps, save
from .changes import ticket_changed
from .notify import notify_assigned
from .outbox import outbox_add, outbox_handler


@dataclass
class Decision:
    """Where a ticket goes: the rule that matched, the owner team, the team now serving it."""

    rule: RoutingRule | None
    owner_team: Team | None
    team: Team | None
    priority: int | None = None
    tags: list[str] = field(default_factory=list)
    followed_sun: bool = False


def _norm(values) -> list[str]:
    return [str(v).strip().lower() for v in values or () if str(v).strip()]


def rule_matches(rule: RoutingRule, facts: dict, category_ids: AbstractSet[int]) -> bool:
    """Every non-empty condition holds: category, language, country, channel, any keyword in
    the subject or body, all tags."""
    if category_ids and facts["category_id"] not in category_ids:
        return False
    if rule.languages and facts["language"] not in _norm(rule.languages):
        return False
    if rule.countries and facts["country"] not in _norm(rule.countries):
        return False
    if rule.channels and facts["channel"] not in _norm(rule.channels):
        return False
    if rule.keywords and not any(k in facts["text"] for k in _norm(rule.keywords)):
        return False
    return not (rule.tags and not set(_norm(rule.tags)) <= facts["tags"])


def team_has_someone_on_shift(team: Team, now) -> bool:
    return team.pk in teams_on_shift(team_ids=[team.pk], at=now)


# The active rules (with their category ids) and the teams, read once per process and kept
# while the version of tickets.caches.ROUTING stands (any write to a rule, its categories or a
# team moves it).


@dataclass(frozen=True)
class RoutingConfig:
    rules: tuple[tuple[RoutingRule, frozenset[int]], ...]
    teams: tuple[Team, ...]


def _read_config() -> RoutingConfig:
    rules = RoutingRule.objects.filter(active=True).select_related("team")
    return RoutingConfig(
        tuple(
            (rule, frozenset(c.pk for c in rule.categories.all()))
            for rule in rules.prefetch_related("categories")
        ),
        tuple(Team.objects.order_by("pk")),
    )


_config: Memo[RoutingConfig] = Memo(ROUTING.version_key, size=1)


def routing_config() -> RoutingConfig:
    """The rules in order (default last) and the teams by pk: one cache read when current."""
    return _config.get("config", _read_config)


def serving_teams(category: Category, config: RoutingConfig | None = None) -> list[Team]:
    """Teams that list the category among those they serve (the stand-in routing of old)."""
    teams = (config or routing_config()).teams
    return [t for t in teams if category.slug in (t.categories or [])]


def routing_decide(
    *,
    category: Category,
    language: str = "en",
    country: str = "",
    channel: str = Ticket.Channel.WEB,
    subject: str = "",
    body: str = "",
    tags=(),
    now=None,
) -> Decision:
    """Pick the team for a new ticket. Rules first (ordered, default last); with no rule, the
    first team serving the category (preferring one serving the language). Follow-the-sun: when
    the chosen team has nobody on shift now, the next team serving the category that does."""
    now = now or timezone.now()
    facts = {
        "category_id": category.pk,
        "language": (language or "").lower(),
        "country": (country or "").lower(),
        "channel": channel,
        "text": f"{subject}\n{body}".lower(),
        "tags": set(_norm(tags)),
    }
    decision = Decision(None, None, None)
    config = routing_config()
    for rule, category_ids in config.rules:
        if rule.is_default or rule_matches(rule, facts, category_ids):
            decision = Decision(rule, rule.team, rule.team, rule.set_priority, list(rule.add_tags))
            break
    else:
        teams = serving_teams(category, config)
        chosen = next((t for t in teams if facts["language"] in (t.languages or [])), None)
        chosen = chosen or (teams[0] if teams else None)
        decision = Decision(None, chosen, chosen)
    if decision.team is not None and not team_has_someone_on_shift(decision.team, now):
        others = [t for t in serving_teams(category, config) if t.pk != decision.team.pk]
        on_shift = teams_on_shift(team_ids=[t.pk for t in others], at=now)
        cover = next((t for t in others if t.pk in on_shift), None)
        if cover is not None:
            decision.team, decision.followed_sun = cover, True
    return decision


def ticket_route(*, ticket: Ticket, body: str = "", now=None) -> Decision:
    """Route a just-created ticket (inside its transaction): team, priority, tags, and the
    record of which rule sent it. Push-mode teams assign it after commit."""
    now = now or timezone.now()
    decision = routing_decide(
        category=ticket.category,
        language=ticket.language,
        country=ticket.requester.country,
        channel=ticket.channel,
        subject=ticket.subject,
        body=body,
        now=now,
    )
    fields = routing_apply(ticket=ticket, decision=decision)
    if fields:
        ticket.save(update_fields=fields)
    routing_record(ticket=ticket, decision=decision, now=now)
    return decision


def routing_apply(*, ticket: Ticket, decision: Decision) -> list[str]:
    """Set the decision's team and priority on the ticket (not saved); the fields changed."""
    fields = []
    if decision.team is not None and decision.team.pk != ticket.team_id:
        ticket.team = decision.team
        fields.append("team")
    if decision.priority and decision.priority != ticket.priority:
        ticket.priority = decision.priority
        fields.append("priority")
    return fields


def routing_record(*, ticket: Ticket, decision: Decision, now) -> None:
    """After the ticket is saved with the decision applied: its tags, the record of which
    rule sent it (TicketRouting and a "routed" event), and push-mode assignment after commit."""
    for name in decision.tags:
        ticket.tags.add(Tag.objects.get_or_create(name=name)[0])
    TicketRouting.objects.create(
        ticket=ticket,
        rule=decision.rule,
        owner_team=decision.owner_team,
        team=decision.team,
        followed_sun=decision.followed_sun,
        routed_at=now,
    )
    how = decision.rule.name if decision.rule else "teams serving the category"
    if decision.followed_sun:
        how += f" (follow-the-sun from {decision.owner_team})"
    events.record(ticket, None, "routed", "team", "", f"{decision.team or '—'} by {how}", at=now)
    if decision.team is not None and decision.team.work_mode == Team.WorkMode.PUSH:
        outbox_add(task="tickets.auto_assign", payload={"ticket_id": ticket.pk})


def ticket_return_to_owner(*, ticket: Ticket, now=None) -> bool:
    """Follow-the-sun, the way back: a ticket that went to another team because its owner
    team had nobody on shift returns to the owner when it opens again (the requester wrote,
    or it moved back to open) while nobody has taken it yet and the owner has someone on
    shift now. Only while it still sits with the team that covered for the owner (an
    escalation or a person may have moved it since; that decision stands), and only once.

    Call inside the caller's transaction with the ticket locked; it sets `ticket.team` and
    returns True when the caller must save the "team" field.
    """
    now = now or timezone.now()
    if ticket.assignee_id is not None or ticket.status in Ticket.DONE:
        return False
    routing = (
        TicketRouting.objects.select_related("owner_team")
        .filter(ticket=ticket, followed_sun=True, returned_at__isnull=True)
        .first()
    )
    if routing is None or routing.owner_team is None:
        return False
    owner = routing.owner_team
    covering = routing.team_id is None or routing.team_id == ticket.team_id
    if owner.pk == ticket.team_id or not covering or not team_has_someone_on_shift(owner, now):
        return False
    events.record(ticket, None, "routed", "team", ticket.team_id or "", owner.pk, at=now)
    ticket.team = owner
    routing.returned_at = now
    routing.save(update_fields=["returned_at"])
    if owner.work_mode == Team.WorkMode.PUSH:
        outbox_add(task="tickets.auto_assign", payload={"ticket_id": ticket.pk})
    return True


@outbox_handler("tickets.auto_assign")
def _push(payload: dict) -> None:
    ticket_auto_assign(ticket_id=payload["ticket_id"])


def ticket_auto_assign(*, ticket_id: int) -> Ticket | None:
    """Push mode: give an unassigned ticket to the available agent of its team who has the
    skill, language and clearance, with the least open load under capacity. None if nobody."""
    with transaction.atomic():
        ticket = (
            Ticket.objects.select_for_update(of=("self",))
            .select_related("category")
            .filter(pk=ticket_id, assignee__isnull=True, status__in=Ticket.UNSOLVED)
            .first()
        )
        if ticket is None or ticket.team_id is None:
            return None
        # Open load counted per agent on the (assignee, status) index: a join with every
        # ticket they ever had, then filtered, read thousands of rows per decision at scale.
        open_load = (
            Ticket.objects.filter(assignee=OuterRef("user_id"), status__in=Ticket.UNSOLVED)
            .order_by()
            .values("assignee")
            .annotate(n=Count("pk"))
            .values("n")
        )
        candidates = available_agents(Agent.objects.filter(team_id=ticket.team_id)).annotate(
            load=Coalesce(Subquery(open_load), 0)
        )
        eligible = []
        for agent in candidates.select_related("user", "team").order_by("pk"):
            if agent.load >= agent.capacity:
                continue
            if agent.skills and ticket.category.slug not in agent.skills:
                continue
            if agent.languages and ticket.language not in agent.languages:
                continue
            if ticket.category.sensitivity not in Sensitivity.allowed_for(agent.clearance):
                continue
            eligible.append(agent)
        # Least load first (ties: the earliest agent); the exposure rule get-next and a
        # lead's assignment apply is asked in that order, so one refused (stepped out, a cap
        # reached) is skipped and the next eligible agent gets the ticket.
        eligible.sort(key=lambda a: a.load)
        now = timezone.now()
        caps = (
            exposure_caps(team_id=ticket.team_id, at=now)
            if ticket.category.sensitivity != Sensitivity.NONE
            else []
        )
        best = next(
            (a for a in eligible if assignment_decision(agent=a, ticket=ticket, at=now, caps=caps)),
            None,
        )
        if best is None:
            return None
        ticket.assignee = best.user
        events.record(ticket, None, "assign", "assignee", "", best.user_id)
        save(ticket, ["assignee"])
        ticket_changed(ticket=ticket, fields=["assignee"])
        notify_assigned(ticket=ticket, assignee=best.user, by=None)
        return ticket
