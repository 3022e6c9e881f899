"""Get next ticket: hand an associate the most urgent ticket they may take, atomically.

A claim is three statements on PostgreSQL when the ticket is not sensitive and no webhook
endpoint listens:

1. the agent's row, locked, with everything the decision needs joined or computed beside it
   (their user, team and the team's service settings, their open load, whether they stepped
   out of sensitive work, their exposure in the last hour, the sensitivity of their last
   claim, whether any webhook endpoint is active);
2. the pick: ``UPDATE … FROM (SELECT … ORDER BY … LIMIT 1 FOR UPDATE SKIP LOCKED) …
   RETURNING`` locks, assigns and opens the first candidate and bumps its version in one
   round trip (SQLite, which cannot skip locked rows, picks with the ORM and assigns with a
   conditional UPDATE, retried when another claim won the row);
3. the claim's events (claim, and new → open) in one INSERT.

A sensitive claim adds its exposure entry; active webhook endpoints add their deliveries; a
team with a per-shift exposure cap adds the count in the agent's shift (whose window is read
from their rota once a shift, then kept in process memory until the rota changes).
"""

from __future__ import annotations

from datetime import timedelta
from functools import cache

from django.contrib.auth import get_user_model
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import F
from django.utils import timezone

from teams.models import Agent, Sensitivity
from teams.selectors import agent_can_take_work, current_shift_window, exposure_count

from .. import events, lifecycle
from ..models import Category, Requester, Ticket
from ._base import record_exposure
from .webhooks import webhooks_emit

CLAIMABLE = (Ticket.Status.NEW, Ticket.Status.OPEN)
# Most urgent first: due time (none last), priority, age. The partial index ticket_claimable
# (migration 0007) holds exactly this order per team, so the pick reads its head.
CLAIM_ORDER = (F("due_at").asc(nulls_last=True), "-priority", "created_at", "pk")


class ClaimRefused(Exception):
    """Get-next hands out nothing, for a reason the agent should read (presence, exposure cap)."""


def ticket_claim_next(*, agent: Agent) -> Ticket | None:
    """Hand the agent the most urgent unassigned ticket they may take, or None.

    Their team's queue, their skills (category slugs) and languages, their clearance;
    ordered by due time, priority, age. Only agents who can take work (teams' presence:
    available, active) get anything — others get ClaimRefused with the reason. Exposure: past
    the team's cap (per shift, per hour) or after stepping out, only non-sensitive tickets are
    handed out (ClaimRefused suggesting a break when none waits); after a sensitive ticket a
    non-sensitive one is preferred when the team interleaves. Claiming a sensitive ticket is
    recorded in teams' exposure log. Atomic: the agent row is locked so one agent's
    concurrent claims respect capacity, and the ticket is assigned only while still unassigned
    (on PostgreSQL taken with SKIP LOCKED), so two agents never get the same ticket. None when
    at capacity. Writes the claim (and new → open) events, bumps the version, and emits
    ticket.updated to webhook subscribers.
    """
    now = timezone.now()
    db = connections[DEFAULT_DB_ALIAS]
    with transaction.atomic():
        agent = _claimant(db, agent.pk, now)
        if agent is None or agent.status != Agent.Status.ACTIVE or not agent.user.is_active:
            return None
        if not agent_can_take_work(agent):
            raise ClaimRefused(
                f"You are {agent.get_presence_display().lower()}: set yourself Available "
                "to get the next ticket."
            )
        if agent.open_load >= agent.capacity or agent.team_id is None:
            return None
        allowed, held_back, prefer_plain = _sensitivities(agent, now)
        picked = _take(db, agent, [Sensitivity.NONE], now) if prefer_plain else None
        picked = picked or _take(db, agent, allowed, now)
        if picked is None:
            if held_back:
                raise ClaimRefused(
                    "You have reached your sensitive-work cap (or stepped out of it): only "
                    "non-sensitive tickets are handed out and none is waiting. Time for a break?"
                )
            return None
        ticket, old_status = picked
        _record(db, agent, ticket, old_status, now)
        return ticket


# Raw rows to model instances. Each claim reads its agent (and user) and returns its ticket
# (with category and requester) through plain SQL; the column lists and converters are worked
# out once per model. Converters come from the first connection that asks: on PostgreSQL only
# JSON fields have one, on SQLite they depend on settings alone, so any thread's will do.


@cache
def _columns(alias: str, model) -> str:
    quote = connections[DEFAULT_DB_ALIAS].ops.quote_name
    return ", ".join(f"{alias}.{quote(f.column)}" for f in model._meta.concrete_fields)


@cache
def _row_plan(model, db_alias: str) -> tuple[list[str], list[tuple[int, object, list]]]:
    db = connections[db_alias]
    names, converting = [], []
    for i, field in enumerate(model._meta.concrete_fields):
        names.append(field.attname)
        col = field.get_col(model._meta.db_table)
        converters = db.ops.get_db_converters(col) + field.get_db_converters(db)
        if converters:
            converting.append((i, col, converters))
    return names, converting


def _instances(db, row, *models) -> tuple[list, tuple]:
    """Instances of `models` from a raw row holding each one's concrete columns in turn, with
    the conversions the ORM applies (JSON decoded; SQLite's dates and booleans); returns them
    and the rest of the row."""
    out, at = [], 0
    for model in models:
        names, converting = _row_plan(model, db.alias)
        values = list(row[at : at + len(names)])
        for i, col, converters in converting:
            for convert in converters:
                values[i] = convert(values[i], col, db)
        out.append(model.from_db(db.alias, names, values))
        at += len(names)
    return out, row[at:]


@cache
def _state_sql(lock: str) -> str:
    # Only the agent and their user are joined: the rest are scalar subqueries, which
    # PostgreSQL plans in a fraction of the time it spends searching join orders (planning was
    # most of this statement's cost: 0.69 -> 0.39 ms at 1M tickets).
    user_model = get_user_model()
    return (
        f"SELECT {_columns('a', Agent)}, {_columns('u', user_model)}, "  # noqa: S608
        "(SELECT tm.exposure_cap_per_shift FROM teams_team tm WHERE tm.id = a.team_id), "
        "(SELECT ss.exposure_cap_per_hour FROM tickets_teamservicesettings ss"
        "  WHERE ss.team_id = a.team_id), "
        "(SELECT ss.interleave_sensitive FROM tickets_teamservicesettings ss"
        "  WHERE ss.team_id = a.team_id), "
        "(SELECT COUNT(*) FROM tickets_ticket t"
        f"  WHERE t.assignee_id = a.user_id AND t.status IN ({_marks(Ticket.UNSOLVED)})), "
        "EXISTS (SELECT 1 FROM teams_exposureoptout o"
        "  WHERE o.user_id = a.user_id AND o.at <= %s AND o.until > %s), "
        "(SELECT COUNT(*) FROM teams_exposureentry e"
        "  WHERE e.user_id = a.user_id AND e.at >= %s AND e.at < %s), "
        "(SELECT c.sensitivity FROM tickets_category c WHERE c.id ="
        "  (SELECT t.category_id FROM tickets_ticket t WHERE t.id ="
        "    (SELECT ev.ticket_id FROM tickets_ticketevent ev"
        "     WHERE ev.actor_id = a.user_id AND ev.kind = 'claim'"
        "     ORDER BY ev.created_at DESC, ev.id DESC LIMIT 1))), "
        "EXISTS (SELECT 1 FROM tickets_webhookendpoint w WHERE w.active) "
        f"FROM teams_agent a JOIN {user_model._meta.db_table} u ON u.id = a.user_id "
        f"WHERE a.id = %s{lock}"
    )


def _claimant(db, pk: int, now) -> Agent | None:
    """The agent's row locked, with what the claim decides on, in one statement: their user,
    their team's exposure caps and interleaving, their open load, whether they stepped out of
    sensitive work, their exposure in the last hour, the sensitivity of their last claim,
    whether any webhook endpoint is active. The step-out and last-hour conditions are those of
    teams.selectors.exposure_opted_out and exposure_count. Plain SQL (both backends): the ORM
    spent more CPU building this query than the database spent answering it."""
    sql = _state_sql(" FOR UPDATE OF a" if db.features.has_select_for_update_of else "")
    at = db.ops.adapt_datetimefield_value
    hour_ago = now - timedelta(hours=1)
    with db.cursor() as cursor:
        cursor.execute(sql, [*Ticket.UNSOLVED, at(now), at(now), at(hour_ago), at(now), pk])
        row = cursor.fetchone()
    if row is None:
        return None
    (agent, user), rest = _instances(db, row, Agent, get_user_model())
    agent.user = user
    (
        agent.shift_cap,
        agent.hour_cap,
        interleave,
        agent.open_load,
        opted_out,
        agent.exposed_last_hour,
        agent.last_claim_sensitivity,
        webhooks_on,
    ) = rest
    # No service settings row: the model's default (interleave).
    agent.interleave = True if interleave is None else bool(interleave)
    agent.opted_out, agent.webhooks_on = bool(opted_out), bool(webhooks_on)
    return agent


def _marks(values) -> str:
    return ", ".join(["%s"] * len(values))


def _sensitivities(agent: Agent, now) -> tuple[list[str], bool, bool]:
    """(sensitivities the agent may be handed now, whether sensitive work is held back by a
    cap or a step-out, whether a non-sensitive ticket comes first after a sensitive claim)."""
    allowed = Sensitivity.allowed_for(agent.clearance)
    if allowed == [Sensitivity.NONE]:
        return allowed, False, False
    held_back = (
        agent.opted_out
        or (agent.hour_cap is not None and agent.exposed_last_hour >= agent.hour_cap)
        or (agent.shift_cap is not None and _exposed_this_shift(agent, now) >= agent.shift_cap)
    )
    if held_back:
        return [Sensitivity.NONE], True, False
    last = agent.last_claim_sensitivity
    return allowed, False, agent.interleave and last not in (None, Sensitivity.NONE)


def _exposed_this_shift(agent: Agent, now) -> int:
    """teams.selectors.exposure_count_this_shift, with the shift window kept in process
    memory while the agent's shift and rota stand (the rota is three queries to read)."""
    start, end = current_shift_window(agent=agent, at=now)
    return exposure_count(user=agent.user_id, start=start, end=end)["total"]


def _candidates(agent: Agent, sensitivities: list[str]):
    """The tickets the agent may be handed, most urgent first (the ORM form, for SQLite)."""
    qs = Ticket.objects.filter(
        team_id=agent.team_id,
        assignee__isnull=True,
        status__in=CLAIMABLE,
        category__sensitivity__in=sensitivities,
    )
    if agent.skills:
        qs = qs.filter(category__slug__in=agent.skills)
    if agent.languages:
        qs = qs.filter(language__in=agent.languages)
    return qs.order_by(*CLAIM_ORDER)


def _take(db, agent: Agent, sensitivities: list[str], now) -> tuple[Ticket, str] | None:
    """Assign the first candidate to the agent and open it: (ticket with its category and
    requester, status before), or None when nothing waits."""
    if db.vendor == "postgresql":
        return _take_skip_locked(db, agent, sensitivities, now)
    candidates = _candidates(agent, sensitivities).select_related("category", "requester")
    for _ in range(5):  # another claim may win the row between the read and the write
        ticket = candidates.first()
        if ticket is None:
            return None
        won = Ticket.objects.filter(pk=ticket.pk, assignee__isnull=True).update(
            assignee_id=agent.user_id,
            status=Ticket.Status.OPEN,
            version=F("version") + 1,
            updated_at=now,
        )
        if won:
            old = ticket.status
            ticket.assignee_id, ticket.status = agent.user_id, Ticket.Status.OPEN
            ticket.version, ticket.updated_at = ticket.version + 1, now
            return ticket, old
    return None


@cache
def _pick_sql(sensitivities: int, skills: int, languages: int) -> str:
    """The pick for lists of these lengths: _candidates' first row, locked (rows other claims
    hold are skipped), assigned, opened and its version bumped, returned with its category and
    requester. Its WHERE holds the predicate of the partial index ticket_claimable and its
    ORDER BY the index's order, so the pick reads the index head."""
    where = [
        "t2.team_id = %s",
        "t2.assignee_id IS NULL",
        f"t2.status IN ({_marks(CLAIMABLE)})",
        f"c2.sensitivity IN ({_marks(range(sensitivities))})",
    ]
    if skills:
        where.append(f"c2.slug IN ({_marks(range(skills))})")
    if languages:
        where.append(f"t2.language IN ({_marks(range(languages))})")
    return (
        "UPDATE tickets_ticket AS t "  # noqa: S608 - only placeholders are interpolated
        "SET assignee_id = %s, status = %s, version = t.version + 1, updated_at = %s "
        "FROM (SELECT t2.id, t2.status FROM tickets_ticket t2"
        "  JOIN tickets_category c2 ON c2.id = t2.category_id"
        f"  WHERE {' AND '.join(where)}"
        "  ORDER BY t2.due_at ASC NULLS LAST, t2.priority DESC, t2.created_at, t2.id"
        "  LIMIT 1 FOR UPDATE OF t2 SKIP LOCKED) AS pick,"
        " tickets_category AS c, tickets_requester AS r "
        "WHERE t.id = pick.id AND c.id = t.category_id AND r.id = t.requester_id "
        f"RETURNING {_columns('t', Ticket)}, {_columns('c', Category)}, "
        f"{_columns('r', Requester)}, pick.status"
    )


def _take_skip_locked(db, agent: Agent, sensitivities, now) -> tuple[Ticket, str] | None:
    """The pick in one statement (written out: compiling the ORM's version of it cost more
    CPU than running it)."""
    skills, languages = agent.skills or [], agent.languages or []
    sql = _pick_sql(len(sensitivities), len(skills), len(languages))
    params = [agent.team_id, *CLAIMABLE, *sensitivities, *skills, *languages]
    with db.cursor() as cursor:
        cursor.execute(sql, [agent.user_id, Ticket.Status.OPEN, now, *params])
        row = cursor.fetchone()
    if row is None:
        return None
    (ticket, category, requester), (old_status,) = _instances(db, row, Ticket, Category, Requester)
    ticket.category, ticket.requester = category, requester
    return ticket, old_status


def _record(db, agent: Agent, ticket: Ticket, old_status: str, now) -> None:
    """What follows a claim: its events, the exposure entry, the webhook event.

    The SLA clocks are left alone: new → open neither starts, stops nor pauses a target (both
    are running, not done), so the ticket's due time stands as it is.
    """
    user = agent.user
    ticket.assignee = user
    rows = [events.build(ticket, user, "claim", "assignee", "", user.pk, at=now)]
    changed = ["assignee"]
    if old_status != Ticket.Status.OPEN:
        lifecycle.check(old_status, Ticket.Status.OPEN)
        rows.append(
            events.build(ticket, user, "status", "status", old_status, ticket.status, at=now)
        )
        changed.append("status")
    events.write(rows, using=db.alias)
    record_exposure(user, ticket, now)
    if agent.webhooks_on:
        webhooks_emit(event="ticket.updated", ticket=ticket, extra={"changed": changed}, now=now)
