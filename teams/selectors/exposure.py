"""Exposure reads: counts per agent per hour, shift and week; who stepped out; consent per
kind; the cool-down; caps; and the one rule every assignment path asks (exposure_decision)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db.models import Count, Field, Max, Q, QuerySet
from django.db.models.functions import Coalesce, TruncHour
from django.utils import timezone

from core.memo import Memo

from .. import shifts as rota_mod
from ..caches import ON_SHIFT
from ..models import (
    Agent,
    ExposureEntry,
    ExposureKind,
    ExposureOptOut,
    Sensitivity,
    Team,
)
from .consent import kind_consented
from .rota import rota_from_agent


def shift_window(*, agent: Agent, at: datetime | None = None) -> tuple[datetime, datetime]:
    """The shift the agent is on at `at` (merged interval), or, off shift, the agent's local
    day around `at`. "Per shift" exposure and stepping out use this window."""
    return _shift_window(agent, at or timezone.now())[0]


def _shift_window(agent: Agent, at: datetime) -> tuple[tuple[datetime, datetime], bool]:
    """(the window, whether it is a whole shift the agent is on: the same for any instant in
    it while the rota stands)."""
    r = rota_from_agent(agent)
    lo, hi = at - timedelta(days=2), at + timedelta(days=2)
    for a, b in rota_mod.intervals(r, lo, hi):
        if a <= at < b:
            return (a, b), lo < a and b < hi  # not cut short by the range read
    local = at.astimezone(r.tz)
    day = local.date()
    start = rota_mod.wall_to_utc(day, datetime.min.time(), r.tz)
    end = rota_mod.wall_to_utc(day + timedelta(days=1), datetime.min.time(), r.tz)
    return (start, end), False


# Get-next asks for the claimant's shift on every claim when their team caps exposure per
# shift. A shift found once holds for every instant inside it until a rota or agent write
# moves teams.caches.ON_SHIFT (one cache read to check), so it is kept in process memory;
# off shift (the local day) nothing is kept: a shift may begin at any moment.
_shifts: Memo[tuple[datetime, datetime]] = Memo(ON_SHIFT.version_key, size=10_000)


def current_shift_window(*, agent: Agent, at: datetime) -> tuple[datetime, datetime]:
    """shift_window, remembered while the agent is on the same shift and their rota stands."""
    held = _shifts.current()
    known = held.find(agent.pk)
    if known is not None and known[0] <= at < known[1]:
        return known
    window, whole_shift = _shift_window(agent, at)
    if whole_shift:
        held.put(agent.pk, window)
    return window


def exposure_count(*, user, start: datetime, end: datetime) -> dict[str, int]:
    """Tickets the user handled in [start, end) by sensitivity, plus "total"."""
    row = ExposureEntry.objects.filter(user=user, at__gte=start, at__lt=end).aggregate(
        sensitive=Count("pk", filter=Q(sensitivity=Sensitivity.SENSITIVE)),
        restricted=Count("pk", filter=Q(sensitivity=Sensitivity.RESTRICTED)),
    )
    return {**row, "total": row["sensitive"] + row["restricted"]}


def exposure_count_this_shift(*, agent: Agent, at: datetime | None = None) -> int:
    """The agent's own count for the shift they are on (or their local day off shift)."""
    start, end = shift_window(agent=agent, at=at)
    return exposure_count(user=agent.user_id, start=start, end=end)["total"]


def exposure_per_hour(
    *, users: Iterable[int], start: datetime, end: datetime
) -> dict[tuple[int, datetime], int]:
    """Counts per (user id, UTC hour start) in [start, end)."""
    rows = (
        ExposureEntry.objects.filter(user_id__in=list(users), at__gte=start, at__lt=end)
        .annotate(hour=TruncHour("at", tzinfo=UTC))
        .values("user_id", "hour")
        .annotate(n=Count("pk"))
    )
    return {(r["user_id"], r["hour"]): r["n"] for r in rows}


def exposure_opt_outs_in_force(*, at: datetime) -> QuerySet[ExposureOptOut]:
    """Step-outs in force at `at`: made at or before it, lasting past it."""
    return ExposureOptOut.objects.filter(at__lte=at, until__gt=at)


def exposure_opted_out(*, agent: Agent, at: datetime | None = None) -> bool:
    """Has the agent stepped out of sensitive work for the rest of the current shift?"""
    at = at or timezone.now()
    return exposure_opt_outs_in_force(at=at).filter(user_id=agent.user_id).exists()


WEEK = timedelta(days=7)
# A handling is one exposure entry for up to services.exposure.SAME_EXPOSURE_WINDOW (12 h):
# the last sensitive work lies in an entry begun at most this long before now.
COOL_DOWN_LOOKBACK = timedelta(hours=24)


def last_sensitive_work(*, user, at: datetime) -> datetime | None:
    """When the user last worked a sensitive or restricted ticket (the last work heartbeat on
    it, else when they took it on), looking back COOL_DOWN_LOOKBACK."""
    row = ExposureEntry.objects.filter(
        user=user, at__gte=at - COOL_DOWN_LOOKBACK, at__lte=at
    ).aggregate(last=Max(Coalesce("last_seen_at", "at")))
    return row["last"]


def cool_down_left(*, last: datetime | None, minutes: int | None, at: datetime) -> timedelta:
    """How long the cool-down after the last sensitive work (`last`) still runs at `at`: the
    team's `minutes` of plain work or a break before the next sensitive ticket (zero: none)."""
    if not minutes or last is None:
        return timedelta(0)
    return max(last + timedelta(minutes=minutes) - at, timedelta(0))


# ------------------------------------------------------------ the rule "get next" applies
# May agent X be handed a ticket of sensitivity S and kind K now? Only within their clearance
# (the lead's decision) and, for sensitive work, of a kind they opted in to (consent.py); and a
# sensitive or restricted one not while sensitive work is held back from them: after they
# stepped out (until the end of that shift), while any exposure cap is reached, or while their
# team's cool-down after their last sensitive work runs. A cap is a most-N count of their
# exposure entries over a window: their team's per-shift cap over the shift they are on
# (shift_window), per-week cap over the last 7 days, and any cap the caller adds (tickets'
# per-hour cap over the last hour).
#
# The rule is written once for each way it is read: exposure_held_back decides from the facts
# in Python (exposure_held_back_reason, saying why), exposure_held_back_sql is the same test as
# a SQL boolean that a statement composes (get-next's claim reads it beside the agent's row,
# with agent_cool_down_sql's facts for cool_down_left and consent.exposure_consent_sql in its
# pick), and sensitivities_allowed turns either answer into what may be handed out.
# exposure_decision is the one question every other assignment path asks: the same rule over
# one agent, one sensitivity and kind, with a reason a person reads. tests/teams/test_exposure.py
# pins the Python and SQL forms equal for every combination of clearance, step-out, caps and
# sensitivity; tests/tickets/test_exposure_paths.py every path under every rule.


@dataclass(frozen=True)
class ExposureCap:
    """At most `most` sensitive or restricted tickets handled in [start, end) (None: no cap).
    `name` says which cap it is in a refusal a person reads ("shift cap", "hourly cap")."""

    most: int | None
    start: datetime
    end: datetime
    name: str = "exposure cap"


def exposure_held_back(*, stepped_out: bool, counts: Iterable[tuple[int | None, int]]) -> bool:
    """Is sensitive work held back: stepped out, or any cap reached? `counts` holds one
    (cap, entries counted over the cap's window) pair per cap; a None cap is no cap."""
    named = [(most, n, "exposure cap") for most, n in counts]
    return bool(exposure_held_back_reason(stepped_out=stepped_out, counts=named))


def exposure_held_back_reason(
    *,
    stepped_out: bool,
    counts: Iterable[tuple[int | None, int, str]],
    cool_down: timedelta = timedelta(0),
) -> str:
    """exposure_held_back, saying why: "" when not held back, else the first reason — the
    step-out, the first named cap (cap, count, name) reached, or the cool-down still running
    (`cool_down` left of it)."""
    if stepped_out:
        return "stepped out of sensitive work for the rest of their shift"
    for most, n, name in counts:
        if most is not None and n >= most:
            return f"{name} reached ({n} of {most})"
    if cool_down > timedelta(0):
        left = math.ceil(cool_down.total_seconds() / 60)
        return f"in a cool-down after a sensitive ticket ({left} more minutes)"
    return ""


def sensitivities_allowed(*, clearance: str, held_back: bool) -> list[str]:
    """What an agent of this clearance may be handed now: all their clearance allows, or only
    non-sensitive work while sensitive work is held back from them."""
    cleared = Sensitivity.allowed_for(clearance)
    return cleared[:1] if held_back else cleared


def agent_exposure_held_back(
    *, agent: Agent, at: datetime | None = None, caps: Iterable[ExposureCap] = ()
) -> bool:
    """exposure_held_back for the agent at `at`, its facts read with the ORM: whether they
    stepped out, their count over their shift against their team's per-shift cap, and over
    each of `caps`."""
    return bool(agent_exposure_held_back_reason(agent=agent, at=at, caps=caps))


def agent_exposure_held_back_reason(
    *, agent: Agent, at: datetime | None = None, caps: Iterable[ExposureCap] = ()
) -> str:
    """Why sensitive work is held back from the agent at `at` ("" when it is not): the rule
    of agent_exposure_held_back, with the reason a person reads: their team's per-shift and
    per-week caps and cool-down join `caps`."""
    at = at or timezone.now()
    caps = list(caps)
    team = agent.team
    shift_cap = team.exposure_cap_per_shift if team is not None else None
    if shift_cap is not None:
        caps.append(ExposureCap(shift_cap, *shift_window(agent=agent, at=at), name="shift cap"))
    if team is not None and team.exposure_cap_per_week is not None:
        caps.append(ExposureCap(team.exposure_cap_per_week, at - WEEK, at, name="weekly cap"))
    if exposure_opted_out(agent=agent, at=at):
        return exposure_held_back_reason(stepped_out=True, counts=())
    minutes = team.exposure_cool_down_minutes if team is not None else 0
    last = last_sensitive_work(user=agent.user_id, at=at) if minutes else None
    return exposure_held_back_reason(
        stepped_out=False,
        cool_down=cool_down_left(last=last, minutes=minutes, at=at),
        counts=[
            (
                cap.most,
                exposure_count(user=agent.user_id, start=cap.start, end=cap.end)["total"],
                cap.name,
            )
            for cap in caps
            if cap.most is not None
        ],
    )


@dataclass(frozen=True)
class ExposureDecision:
    """May an agent be handed a ticket now, and if not, why (for the person refused)."""

    allowed: bool
    reason: str = ""
    # False when the clearance or the consent refuses: no override hands content to someone
    # not cleared for it, nor a kind of work the person has not opted in to; a held-back
    # refusal (step-out, a cap, the cool-down) a lead may override with a reason.
    overridable: bool = False

    def __bool__(self) -> bool:
        return self.allowed


ALLOWED = ExposureDecision(True)


def exposure_decision(
    *,
    agent: Agent,
    sensitivity: str,
    kind: str = "",
    at: datetime | None = None,
    caps: Iterable[ExposureCap] = (),
) -> ExposureDecision:
    """The one decision every assignment path asks (get-next, push auto-assign, a lead's
    manual assignment, a reply taking the ticket, a reopen, a merge): may `agent` be handed a
    ticket of `sensitivity` and `kind` (its category's; empty: other) at `at`? Within their
    clearance only, and a sensitive or restricted one only of a kind they opted in to and not
    while sensitive work is held back from them (stepped out, their team's per-shift or
    per-week cap or any of `caps` reached, their team's cool-down running)."""
    if sensitivity not in Sensitivity.allowed_for(agent.clearance):
        label = Sensitivity(sensitivity).label.lower()
        return ExposureDecision(False, f"not cleared for {label} tickets")
    if sensitivity != Sensitivity.NONE and not kind_consented(user=agent.user_id, kind=kind):
        label = ExposureKind(ExposureKind.of(kind)).label.lower()
        return ExposureDecision(False, f"not opted in to {label} work")
    # Held back or not, plain work is allowed: its facts need not be read.
    reason = (
        ""
        if sensitivity == Sensitivity.NONE
        else agent_exposure_held_back_reason(agent=agent, at=at, caps=caps)
    )
    if sensitivity in sensitivities_allowed(clearance=agent.clearance, held_back=bool(reason)):
        return ALLOWED
    return ExposureDecision(False, reason, overridable=True)


def agent_may_take(
    *,
    agent: Agent,
    sensitivity: str,
    kind: str = "",
    at: datetime | None = None,
    caps: Iterable[ExposureCap] = (),
) -> bool:
    """May "get next" hand this agent a ticket of `sensitivity` and `kind` at `at`?
    exposure_decision's answer, with `caps` beside their team's caps."""
    decision = exposure_decision(agent=agent, sensitivity=sensitivity, kind=kind, at=at, caps=caps)
    return decision.allowed


def agent_may_take_sensitive(*, agent: Agent, at: datetime | None = None) -> bool:
    """May "get next" hand this agent a sensitive or restricted ticket now (consent aside)?
    Not if they stepped out, once their team's per-shift or per-week cap is reached, nor in
    their team's cool-down."""
    return not agent_exposure_held_back(agent=agent, at=at)


def exposure_held_back_sql(
    *, connection, agent: str, shift: bool, week: bool = False, caps: Sequence[str] = ()
) -> str:
    """exposure_held_back as a SQL boolean (never NULL) about the teams_agent row aliased
    `agent` in the statement that composes it: stepped out, or a cap reached — their team's
    per-shift cap when `shift` (the shift's window comes from the rota, so the caller passes
    it), their team's per-week cap when `week`, and one cap per SQL expression in `caps`
    (NULL: no cap). Its parameters are exposure_held_back_params(at, windows) with the
    shift's window first when `shift`, then the last 7 days when `week`, then one window per
    cap. (The cool-down is decided in Python from agent_cool_down_sql's facts.) Its step-out test is exposure_opt_outs_in_force's and its counts are
    exposure_count's; table and column names are teams' models'."""
    quote = connection.ops.quote_name
    agent_user = f"{agent}.{quote(Agent._meta.get_field('user').column)}"
    out, entry = ExposureOptOut._meta, ExposureEntry._meta
    shift_cap = [agent_shift_cap_sql(connection=connection, agent=agent)] if shift else []
    if week:
        shift_cap.append(_team_column_sql(connection, agent, "exposure_cap_per_week"))
    conditions = [
        f"EXISTS (SELECT 1 FROM {quote(out.db_table)} exposure_out"  # noqa: S608 - names only
        f" WHERE exposure_out.{quote(out.get_field('user').column)} = {agent_user}"
        f" AND exposure_out.{quote(out.get_field('at').column)} <= %s"
        f" AND exposure_out.{quote(out.get_field('until').column)} > %s)"
    ]
    for most in [*shift_cap, *caps]:
        conditions.append(
            f"(SELECT COUNT(*) FROM {quote(entry.db_table)} exposure_n"  # noqa: S608 - names only
            f" WHERE exposure_n.{quote(entry.get_field('user').column)} = {agent_user}"
            f" AND exposure_n.{quote(entry.get_field('at').column)} >= %s"
            f" AND exposure_n.{quote(entry.get_field('at').column)} < %s) >= {most}"
        )
    # A NULL cap makes its test NULL, which OR passes over; COALESCE makes "no cap reached"
    # FALSE, so NOT of the fragment is true then.
    return f"COALESCE({' OR '.join(conditions)}, FALSE)"


def exposure_held_back_params(
    *, connection, at: datetime, windows: Iterable[tuple[datetime, datetime]]
) -> list:
    """The parameters of exposure_held_back_sql: the instant, then each cap's window."""
    adapt = connection.ops.adapt_datetimefield_value
    return [adapt(at), adapt(at), *(adapt(bound) for window in windows for bound in window)]


def agent_shift_cap_sql(*, connection, agent: str) -> str:
    """SQL for the per-shift cap (NULL: none) of the team of the teams_agent row aliased
    `agent`."""
    return _team_column_sql(connection, agent, "exposure_cap_per_shift")


def _team_column_sql(connection, agent: str, field: str) -> str:
    """SQL for `field` of the team of the teams_agent row aliased `agent` (NULL: no team)."""
    quote = connection.ops.quote_name
    team, found = Team._meta, Team._meta.get_field(field)
    if not isinstance(found, Field):
        raise TypeError(f"{field} is not a column of Team")
    column = quote(found.column)
    return (
        f"(SELECT exposure_team.{column} FROM {quote(team.db_table)} exposure_team"  # noqa: S608
        f" WHERE exposure_team.{quote(team.pk.column)}"
        f" = {agent}.{quote(Agent._meta.get_field('team').column)})"
    )


def agent_cool_down_sql(*, connection, agent: str) -> str:
    """Two SQL columns about the teams_agent row aliased `agent`, the facts cool_down_left
    decides on: their team's cool-down minutes, and last_sensitive_work (its one parameter:
    the start of the look-back, at - COOL_DOWN_LOOKBACK). Read the second with
    as_datetime (SQLite returns the MAX of an expression as text)."""
    quote = connection.ops.quote_name
    entry = ExposureEntry._meta
    user, at = entry.get_field("user").column, entry.get_field("at").column
    seen = entry.get_field("last_seen_at").column
    agent_user = f"{agent}.{quote(Agent._meta.get_field('user').column)}"
    minutes = _team_column_sql(connection, agent, "exposure_cool_down_minutes")
    return (
        f"{minutes}, (SELECT MAX(COALESCE(cool.{quote(seen)}, cool.{quote(at)}))"  # noqa: S608
        f" FROM {quote(entry.db_table)} cool WHERE cool.{quote(user)} = {agent_user}"
        f" AND cool.{quote(at)} >= %s)"
    )


def as_datetime(value) -> datetime | None:
    """A timestamp read from raw SQL as an aware UTC datetime (SQLite gives text)."""
    if value is None or isinstance(value, datetime):
        return value
    parsed = datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
