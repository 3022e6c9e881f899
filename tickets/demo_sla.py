"""Demo service levels: each team's business hours in its own time zone with its country's
public holidays, SLA policies per priority (first reply, next reply, resolution, in business
time), routing rules (follow-the-sun across vendors comes from tickets.services.routing when a
rule's team has nobody on shift), and the SLA targets of the seeded history.

Deterministic and safe to run twice (get-or-create by name; a team's hours are set only when
it has none).
"""

from __future__ import annotations

from datetime import datetime

from teams.models import Team

from .models import (
    BusinessHours,
    Category,
    RoutingRule,
    SLAPolicy,
    TeamServiceSettings,
    Ticket,
    TicketSLA,
)
from .services import SLAHistory, sla_batch, sla_history_rows

H = 60  # minutes in an hour
EVERY_DAY, WEEKDAYS, WEEKEND = range(7), range(5), (5, 6)

# team slug → (calendar name, [(days, opening, closing in local hours)]); the zone and the
# holiday country are the team's own.
HOURS = {
    "account-care": ("Account Care hours (New York)", [(WEEKDAYS, 7, 21), (WEEKEND, 9, 17)]),
    "trust-safety": ("Trust & Safety hours (Los Angeles)", [(EVERY_DAY, 0, 24)]),
    "manila-care": ("Manila Care hours (Manila)", [(EVERY_DAY, 6, 22)]),
    "krakow-care": ("Krakow Care hours (Warsaw)", [(range(6), 7, 21)]),
}

P = Ticket.Priority
# name, priority, first reply, next reply, resolution (business minutes)
POLICIES = [
    ("Urgent", P.URGENT, 30, 60, 4 * H),
    ("High", P.HIGH, 1 * H, 2 * H, 8 * H),
    ("Normal", P.NORMAL, 4 * H, 8 * H, 24 * H),
    ("Low", P.LOW, 8 * H, 16 * H, 48 * H),
]

# name, team slug, conditions (categories by slug, languages, countries); the default last.
RULES = [
    ("Safety reports to Trust & Safety", "trust-safety",
     {"categories": ["safety-report", "self-harm", "child-safety"]}),
    ("Polish and German to Krakow Care", "krakow-care", {"languages": ["pl", "de"]}),
    ("Tagalog to Manila Care", "manila-care", {"languages": ["tl"]}),
    ("Requesters in the Philippines to Manila Care", "manila-care", {"countries": ["PH"]}),
    ("Spanish to Account Care", "account-care", {"languages": ["es"]}),
]  # fmt: skip
DEFAULT_RULE = ("Everything else to Account Care", "account-care")


def seed_service_levels() -> dict[str, int]:
    """Business hours for every demo team, the four SLA policies and the routing rules.
    Returns how many of each now exist."""
    teams = {t.slug: t for t in Team.objects.all()}
    for slug, (name, spans) in HOURS.items():
        team = teams.get(slug)
        if team is None:
            continue
        weekly = [[d, start * H, end * H] for days, start, end in spans for d in days]
        hours, _ = BusinessHours.objects.get_or_create(
            name=name,
            defaults={
                "time_zone": team.time_zone,
                "weekly": weekly,
                "holiday_country": team.country,
            },
        )
        service, _ = TeamServiceSettings.objects.get_or_create(team=team)
        if service.business_hours_id is None:
            service.business_hours = hours
            service.save(update_fields=["business_hours"])
    for position, (name, priority, first, nxt, resolution) in enumerate(POLICIES):
        SLAPolicy.objects.get_or_create(
            name=name,
            defaults={
                "position": position,
                "priorities": [int(priority)],
                "first_reply_minutes": first,
                "next_reply_minutes": nxt,
                "resolution_minutes": resolution,
                "business_time": True,
            },
        )
    categories = {c.slug: c for c in Category.objects.all()}
    for position, (name, slug, conditions) in enumerate(RULES):
        if slug not in teams or RoutingRule.objects.filter(name=name).exists():
            continue
        rule = RoutingRule.objects.create(
            name=name,
            position=position,
            team=teams[slug],
            languages=conditions.get("languages", []),
            countries=conditions.get("countries", []),
        )
        wanted = [categories[c] for c in conditions.get("categories", []) if c in categories]
        rule.categories.set(wanted)
    name, slug = DEFAULT_RULE
    if slug in teams and not RoutingRule.objects.filter(name=name).exists():
        RoutingRule.objects.create(name=name, team=teams[slug], is_default=True)
    return {
        "business_hours": BusinessHours.objects.count(),
        "policies": SLAPolicy.objects.count(),
        "rules": RoutingRule.objects.count(),
    }


def history_of(ticket: Ticket, thread: list[tuple[str, datetime, object]]) -> SLAHistory:
    """The SLA history of a seeded ticket from its thread of (kind, at, text): each requester
    comment after the first answered by the next agent reply."""
    public = sorted((at, kind) for kind, at, _text in thread if kind != "note")
    turns: list[tuple[datetime, datetime | None]] = []
    for i, (at, kind) in enumerate(public):
        if kind != "requester" or i == 0:
            continue
        answer = next((a for a, k in public[i + 1 :] if k == "agent"), None)
        turns.append((at, answer))
    paused = None
    if ticket.status in (Ticket.Status.PENDING, Ticket.Status.ON_HOLD):
        paused = ticket.last_public_reply_at or ticket.created_at
    return SLAHistory(opened_by_requester=True, turns=turns, paused_since=paused)


def seed_sla_history(tickets: list[Ticket], threads: list, *, now: datetime) -> list[TicketSLA]:
    """The SLA targets of the seeded tickets (unsaved; sets each ticket's due_at, so build
    them before the tickets are inserted and insert them after)."""
    rows: list[TicketSLA] = []
    with sla_batch():
        for ticket, thread in zip(tickets, threads, strict=True):
            rows += sla_history_rows(ticket, history_of(ticket, thread), now=now)
    return rows
