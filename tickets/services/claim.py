"""Get next ticket: hand an associate the most urgent ticket they may take, atomically.

A claim is three statements on PostgreSQL when the ticket is not sensitive and no webhook
endpoint listens:

1. the agent's row, locked, with everything the decision needs joined or computed beside it
   (their user, their open load, whether sensitive work is held back from them — teams'
   exposure rule, composed here as SQL, over their step-out and their team's per-hour and
   per-week caps —, the facts of their team's cool-down (its minutes, their last work on a
   sensitive ticket: decided by teams' cool_down_left), whether their team caps exposure per
   shift and interleaves, the sensitivity of their last claim, whether any webhook endpoint is
   active);
2. the pick: ``UPDATE … FROM (SELECT … ORDER BY … LIMIT 1 FOR UPDATE SKIP LOCKED) …
   RETURNING`` locks, assigns and opens the first candidate (of a kind of sensitive work
   the agent consented to: teams' consent test, composed as SQL) and bumps its version in one
   round trip (SQLite, which cannot skip locked rows, picks with the ORM and assigns with a
   conditional UPDATE, retried when another claim won the row);
3. the claim's events (claim, and new → open) in one INSERT.

A sensitive claim adds its exposure entry; active webhook endpoints add their deliveries; a
team with a per-shift exposure cap adds the exposure rule read with the agent's shift (whose
window is read from their rota once a shift, then kept until the rota changes).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from django.contrib.auth import get_user_model
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import F, Field
from django.utils import timezone

from teams.models import Agent, Sensitivity
from teams.selectors import (
    COOL_DOWN_LOOKBACK,
    WEEK,
    agent_can_take_work,
    agent_cool_down_sql,
    agent_shift_cap_sql,
    as_datetime,
    cool_down_left,
    current_shift_window,
    exposure_consent_params,
    exposure_consent_q,
    exposure_consent_sql,
    exposure_held_back_params,
    exposure_held_back_reason,
    exposure_held_back_sql,
    sensitivities_allowed,
)

from .. import events, lifecycle
from ..models import Category, Requester, Ticket
from ._base import record_exposure
from ._rows import columns as _columns
from ._rows import from_row as _from_row
from ._rows import quote as _quote
from .webhooks import webhooks_emit

CLAIMABLE = (Ticket.Status.NEW, Ticket.Status.OPEN)
# Most urgent first: due time (none last), priority, age. The partial index ticket_claimable
# (migration 0007) holds exactly this order per team, so the pick reads its head.
CLAIM_ORDER = (F("due_at").asc(nulls_last=True), "-priority", "created_at", "pk")


class ClaimRefused(Exception):
    """Get-next hands out nothing, for a reason the agent should read (presence, exposure cap)."""


@dataclass(slots=True)
class _Claimant:
    """The agent's locked row (with their user) and what the claim decides on, read beside it
    in one statement (_claimant)."""

    agent: Agent
    open_load: int  # their unsolved tickets
    held_back: bool  # sensitive work held back: their step-out, the team's hourly or weekly cap
    cool_down_minutes: int | None  # their team's cool-down after a sensitive ticket
    last_sensitive: datetime | None  # when they last worked a sensitive ticket
    shift_capped: bool  # their team caps exposure per shift (read when it matters)
    interleave: bool  # after a sensitive claim, a non-sensitive ticket first
    last_claim_sensitivity: str | None
    webhooks_on: bool  # some webhook endpoint is active


def ticket_claim_next(*, agent: Agent) -> Ticket | None:
    """Hand the agent the most urgent unassigned ticket they may take, or None.

    Their team's queue, their skills (category slugs) and languages, their clearance;
    ordered by due time, priority, age. Only agents who can take work (teams' presence:
    available, active) get anything — others get ClaimRefused with the reason. Exposure
    (teams' rule): past the team's cap (per shift, per hour) or after stepping out, only
    non-sensitive tickets are handed out (ClaimRefused suggesting a break when none waits);
    after a sensitive ticket a non-sensitive one is preferred when the team interleaves.
    Claiming a sensitive ticket is recorded in teams' exposure log. Atomic: the agent row is
    locked so one agent's concurrent claims respect capacity, and the ticket is assigned only
    while still unassigned (on PostgreSQL taken with SKIP LOCKED), so two agents never get the
    same ticket. None when at capacity. Writes the claim (and new → open) events, bumps the
    version, and emits ticket.updated to webhook subscribers.
    """
    now = timezone.now()
    db = connections[DEFAULT_DB_ALIAS]
    with transaction.atomic():
        claimant = _claimant(db, agent.pk, now)
        if claimant is None:
            return None
        agent = claimant.agent
        if agent.status != Agent.Status.ACTIVE or not agent.user.is_active:
            return None
        if not agent_can_take_work(agent):
            raise ClaimRefused(
                f"You are {agent.get_presence_display().lower()}: set yourself Available "
                "to get the next ticket."
            )
        if claimant.open_load >= agent.capacity or agent.team_id is None:
            return None
        allowed, held_back, prefer_plain = _sensitivities(db, claimant, now)
        picked = _take(db, agent, [Sensitivity.NONE], now) if prefer_plain else None
        picked = picked or _take(db, agent, allowed, now)
        if picked is None:
            if held_back:
                raise ClaimRefused(
                    f"You are {held_back}: only non-sensitive tickets are handed out and none "
                    "is waiting. Time for a break?"
                )
            return None
        ticket, old_status = picked
        _record(db, claimant, ticket, old_status, now)
        return ticket


def _column(field: object) -> str:
    """The quoted column of a concrete field (django-stubs types Field.column Optional)."""
    if not isinstance(field, Field) or field.column is None:
        raise TypeError(f"{field!r} has no column")
    return _quote(field.column)


def _agent_column(field: str) -> str:
    """The column of `field` on the agent row the claim's statements alias `a`."""
    return f"a.{_column(Agent._meta.get_field(field))}"


@cache
def _agent_row_sql(select: str, joins: str = "") -> str:
    """SELECT `select` from the agent row aliased `a` (then `joins`), found by its id."""
    meta = Agent._meta
    return (
        f"SELECT {select} FROM {_quote(meta.db_table)} a{joins} "  # noqa: S608
        f"WHERE a.{_column(meta.pk)} = %s"
    )


@cache
def _held_back_sql(shift: bool) -> str:
    """Teams' exposure rule as SQL about the agent row aliased `a`: over their step-out, their
    team's per-week cap over the last 7 days and per-hour cap (this app's
    TeamServiceSettings; NULL: none) over the last hour; or, with `shift`, over their
    step-out and their team's per-shift cap over their shift. Work is held back when either
    holds it back (any cap reached holds it back), so the second is asked only when the first
    did not and the team caps per shift."""
    hour_cap = (
        "(SELECT ss.exposure_cap_per_hour FROM tickets_teamservicesettings ss"  # noqa: S608
        f" WHERE ss.team_id = {_agent_column('team')})"
    )
    db = connections[DEFAULT_DB_ALIAS]
    caps = [] if shift else [hour_cap]
    return exposure_held_back_sql(connection=db, agent="a", shift=shift, week=not shift, caps=caps)


def _last_week_and_hour(now) -> list[tuple]:
    return [(now - WEEK, now), (now - timedelta(hours=1), now)]


@cache
def _state_sql(lock: str) -> str:
    # Only the agent and their user are joined: the rest are scalar subqueries, which
    # PostgreSQL plans in a fraction of the time it spends searching join orders (planning was
    # most of this statement's cost: 0.69 -> 0.39 ms at 1M tickets).
    db, user_model = connections[DEFAULT_DB_ALIAS], get_user_model()
    user = _agent_column("user")
    select = (
        f"{_columns('a', Agent)}, {_columns('u', user_model)}, "  # noqa: S608 - names only
        f"{agent_shift_cap_sql(connection=db, agent='a')} IS NOT NULL, "
        "(SELECT ss.interleave_sensitive FROM tickets_teamservicesettings ss"
        f"  WHERE ss.team_id = {_agent_column('team')}), "
        "(SELECT COUNT(*) FROM tickets_ticket t"
        f"  WHERE t.assignee_id = {user} AND t.status IN ({_marks(Ticket.UNSOLVED)})), "
        f"{_held_back_sql(shift=False)}, "
        f"{agent_cool_down_sql(connection=db, agent='a')}, "
        "(SELECT c.sensitivity FROM tickets_category c WHERE c.id ="
        "  (SELECT t.category_id FROM tickets_ticket t WHERE t.id ="
        "    (SELECT ev.ticket_id FROM tickets_ticketevent ev"
        f"     WHERE ev.actor_id = {user} AND ev.kind = 'claim'"
        "     ORDER BY ev.created_at DESC, ev.id DESC LIMIT 1))), "
        "EXISTS (SELECT 1 FROM tickets_webhookendpoint w WHERE w.active)"
    )
    users = user_model._meta
    join = f" JOIN {_quote(users.db_table)} u ON u.{_column(users.pk)} = {user}"
    return _agent_row_sql(select, join) + lock


def _claimant(db, pk: int, now) -> _Claimant | None:
    """The agent's row locked, with what the claim decides on, in one statement: their user,
    whether their team caps exposure per shift, whether it interleaves, their open load,
    whether sensitive work is held back from them by their step-out or their team's per-hour
    cap (teams' exposure rule as SQL), the sensitivity of their last claim, whether any
    webhook endpoint is active. Plain SQL (both backends): the ORM spent more CPU building
    this query than the database spent answering it."""
    sql = _state_sql(" FOR UPDATE OF a" if db.features.has_select_for_update_of else "")
    held_back = exposure_held_back_params(connection=db, at=now, windows=_last_week_and_hour(now))
    lookback = db.ops.adapt_datetimefield_value(now - COOL_DOWN_LOOKBACK)
    with db.cursor() as cursor:
        cursor.execute(sql, [*Ticket.UNSOLVED, *held_back, lookback, pk])
        row = cursor.fetchone()
    if row is None:
        return None
    (agent, user), rest = _from_row(db, row, Agent, get_user_model())
    agent.user = user
    shift_capped, interleave, open_load, held_back, cool_down, last_sensitive, last, hooks = rest
    return _Claimant(
        agent=agent,
        open_load=open_load,
        held_back=bool(held_back),
        cool_down_minutes=cool_down,
        last_sensitive=as_datetime(last_sensitive),
        shift_capped=bool(shift_capped),
        # No service settings row: the model's default (interleave).
        interleave=True if interleave is None else bool(interleave),
        last_claim_sensitivity=last,
        webhooks_on=bool(hooks),
    )


def _marks(values) -> str:
    return ", ".join(["%s"] * len(values))


def _sensitivities(db, claimant: _Claimant, now) -> tuple[list[str], str, bool]:
    """(sensitivities the agent may be handed now, why sensitive work is held back — "" when
    it is not: a cap, a step-out or the cool-down —, whether a non-sensitive ticket comes
    first after a sensitive claim)."""
    agent = claimant.agent
    if Sensitivity.allowed_for(agent.clearance) == [Sensitivity.NONE]:
        return [Sensitivity.NONE], "", False  # no exposure question: no shift to read
    cool_down = cool_down_left(
        last=claimant.last_sensitive, minutes=claimant.cool_down_minutes, at=now
    )
    held_back = (
        "past your sensitive-work cap (or stepped out of it)"
        if claimant.held_back or (claimant.shift_capped and _held_back_this_shift(db, agent, now))
        else exposure_held_back_reason(stepped_out=False, counts=(), cool_down=cool_down)
    )
    allowed = sensitivities_allowed(clearance=agent.clearance, held_back=bool(held_back))
    if held_back:
        return allowed, held_back, False
    last = claimant.last_claim_sensitivity
    return allowed, "", claimant.interleave and last not in (None, Sensitivity.NONE)


def _held_back_this_shift(db, agent: Agent, now) -> bool:
    """Teams' exposure rule with the team's per-shift cap counted over the agent's shift (its
    window kept in process memory while their shift and rota stand: the rota is three
    queries to read)."""
    windows = [current_shift_window(agent=agent, at=now)]
    with db.cursor() as cursor:
        cursor.execute(
            _agent_row_sql(_held_back_sql(shift=True)),
            [*exposure_held_back_params(connection=db, at=now, windows=windows), agent.pk],
        )
        return bool(cursor.fetchone()[0])


def _candidates(agent: Agent, sensitivities: list[str]):
    """The tickets the agent may be handed, most urgent first (the ORM form, for SQLite)."""
    if agent.team_id is None:  # ticket_claim_next hands a teamless agent nothing
        return Ticket.objects.none()
    qs = Ticket.objects.filter(
        team_id=agent.team_id,
        assignee__isnull=True,
        status__in=CLAIMABLE,
        category__sensitivity__in=sensitivities,
    ).filter(
        exposure_consent_q(
            user_id=agent.user_id,
            sensitivity="category__sensitivity",
            kind="category__exposure_kind",
        )
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
        exposure_consent_sql(
            connection=connections[DEFAULT_DB_ALIAS],
            sensitivity="c2.sensitivity",
            kind="c2.exposure_kind",
        ),
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
    consent = exposure_consent_params(user_id=agent.user_id)
    params = [agent.team_id, *CLAIMABLE, *sensitivities, *consent, *skills, *languages]
    with db.cursor() as cursor:
        cursor.execute(sql, [agent.user_id, Ticket.Status.OPEN, now, *params])
        row = cursor.fetchone()
    if row is None:
        return None
    (ticket, category, requester), (old_status,) = _from_row(db, row, Ticket, Category, Requester)
    ticket.category, ticket.requester = category, requester
    return ticket, old_status


def _record(db, claimant: _Claimant, ticket: Ticket, old_status: str, now) -> None:
    """What follows a claim: its events, the exposure entry, the webhook event.

    The SLA clocks are left alone: new → open neither starts, stops nor pauses a target (both
    are running, not done), so the ticket's due time stands as it is.
    """
    user = claimant.agent.user
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
    if claimant.webhooks_on:
        webhooks_emit(event="ticket.updated", ticket=ticket, extra={"changed": changed}, now=now)
