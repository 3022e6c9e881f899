"""Exposure reads: counts per agent per hour, shift and week; who stepped out; caps."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncHour
from django.utils import timezone

from core.memo import Memo

from .. import shifts as rota_mod
from ..caches import ON_SHIFT
from ..models import Agent, AuditEntry, ExposureEntry, ExposureOptOut, Sensitivity, Team
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


# ------------------------------------------------------------ the rule "get next" applies
# May agent X be handed a ticket of sensitivity S now? Only within their clearance; and a
# sensitive or restricted one not while sensitive work is held back from them: after they
# stepped out (until the end of that shift), or while any exposure cap is reached. A cap is a
# most-N count of their exposure entries over a window: their team's per-shift cap over the
# shift they are on (shift_window), and any cap the caller adds (tickets' per-hour cap over
# the last hour).
#
# The rule is written once for each way it is read: exposure_held_back decides from the facts
# in Python (exposure_held_back_reason, saying why), exposure_held_back_sql is the same test as
# a SQL boolean that a statement composes (get-next's claim reads it beside the agent's row),
# and sensitivities_allowed turns either answer into what may be handed out. exposure_decision
# is the one question every other assignment path asks (push auto-assign, a lead's manual
# assignment): the same rule over one agent and one sensitivity, with a reason a person reads. tests/teams/test_exposure.py pins the Python and
# SQL forms equal for every combination of clearance, step-out, caps and sensitivity.


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
    *, stepped_out: bool, counts: Iterable[tuple[int | None, int, str]]
) -> str:
    """exposure_held_back, saying why: "" when not held back, else the first reason — the
    step-out, or the first named cap (cap, count, name) reached."""
    if stepped_out:
        return "stepped out of sensitive work for the rest of their shift"
    for most, n, name in counts:
        if most is not None and n >= most:
            return f"{name} reached ({n} of {most})"
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
    of agent_exposure_held_back, with the reason a person reads."""
    at = at or timezone.now()
    caps = list(caps)
    shift_cap = agent.team.exposure_cap_per_shift if agent.team is not None else None
    if shift_cap is not None:
        caps.append(ExposureCap(shift_cap, *shift_window(agent=agent, at=at), name="shift cap"))
    if exposure_opted_out(agent=agent, at=at):
        return exposure_held_back_reason(stepped_out=True, counts=())
    return exposure_held_back_reason(
        stepped_out=False,
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
    # False when only the clearance refuses: no override may hand restricted content to
    # someone not cleared for it; a held-back refusal (step-out, a cap) a lead may override.
    overridable: bool = False

    def __bool__(self) -> bool:
        return self.allowed


ALLOWED = ExposureDecision(True)


def exposure_decision(
    *,
    agent: Agent,
    sensitivity: str,
    at: datetime | None = None,
    caps: Iterable[ExposureCap] = (),
) -> ExposureDecision:
    """The one decision every assignment path asks (get-next, push auto-assign, a lead's
    manual assignment): may `agent` be handed a ticket of `sensitivity` at `at`? Within their
    clearance only; a sensitive or restricted one not while sensitive work is held back from
    them (stepped out, their team's per-shift cap or any of `caps` reached)."""
    if sensitivity not in Sensitivity.allowed_for(agent.clearance):
        label = Sensitivity(sensitivity).label.lower()
        return ExposureDecision(False, f"not cleared for {label} tickets")
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
    at: datetime | None = None,
    caps: Iterable[ExposureCap] = (),
) -> bool:
    """May "get next" hand this agent a ticket of `sensitivity` at `at`? exposure_decision's
    answer, with `caps` beside their team's per-shift cap."""
    return exposure_decision(agent=agent, sensitivity=sensitivity, at=at, caps=caps).allowed


def agent_may_take_sensitive(*, agent: Agent, at: datetime | None = None) -> bool:
    """May "get next" hand this agent a sensitive or restricted ticket now? Not if they
    stepped out, nor once their team's per-shift exposure cap is reached."""
    return not agent_exposure_held_back(agent=agent, at=at)


def exposure_held_back_sql(*, connection, agent: str, shift: bool, caps: Sequence[str] = ()) -> str:
    """exposure_held_back as a SQL boolean (never NULL) about the teams_agent row aliased
    `agent` in the statement that composes it: stepped out, or a cap reached — their team's
    per-shift cap when `shift` (the shift's window comes from the rota, so the caller passes
    it), and one cap per SQL expression in `caps` (NULL: no cap). Its parameters are
    exposure_held_back_params(at, windows) with the shift's window first when `shift`, then
    one window per cap. Its step-out test is exposure_opt_outs_in_force's and its counts are
    exposure_count's; table and column names are teams' models'."""
    quote = connection.ops.quote_name
    agent_user = f"{agent}.{quote(Agent._meta.get_field('user').column)}"
    out, entry = ExposureOptOut._meta, ExposureEntry._meta
    shift_cap = [agent_shift_cap_sql(connection=connection, agent=agent)] if shift else []
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
    quote = connection.ops.quote_name
    team = Team._meta
    cap = quote(team.get_field("exposure_cap_per_shift").column)
    return (
        f"(SELECT exposure_team.{cap} FROM {quote(team.db_table)} exposure_team"  # noqa: S608
        f" WHERE exposure_team.{quote(team.pk.column)}"
        f" = {agent}.{quote(Agent._meta.get_field('team').column)})"
    )


@dataclass(frozen=True)
class ExposureRow:
    """One agent's exposure for the lead's view."""

    agent: Agent
    this_shift: int
    today: int
    week: int
    restricted_week: int
    opted_out_until: datetime | None


def team_exposure(*, agents: Iterable[Agent], at: datetime | None = None) -> list[ExposureRow]:
    """Per agent: this shift, the last 24 hours, the last 7 days (and how many restricted),
    and whether they stepped out now. Pass agents from the viewer's scope with their rota
    prefetched (selectors.rotas_prefetched): two queries in all."""
    at = at or timezone.now()
    agents = list(agents)
    ids = [a.user_id for a in agents]
    entries: dict[int, list[tuple[datetime, str]]] = {i: [] for i in ids}
    for user_id, when, sensitivity in ExposureEntry.objects.filter(
        user_id__in=ids, at__gte=at - timedelta(days=7), at__lte=at
    ).values_list("user_id", "at", "sensitivity"):
        entries[user_id].append((when, sensitivity))
    out_until = dict(
        exposure_opt_outs_in_force(at=at).filter(user_id__in=ids).values_list("user_id", "until")
    )
    rows = []
    for agent in agents:
        start, end = shift_window(agent=agent, at=at)
        mine = entries[agent.user_id]
        rows.append(
            ExposureRow(
                agent=agent,
                this_shift=sum(1 for w, _ in mine if start <= w < end),
                today=sum(1 for w, _ in mine if w >= at - timedelta(days=1)),
                week=len(mine),
                restricted_week=sum(1 for _, s in mine if s == Sensitivity.RESTRICTED),
                opted_out_until=out_until.get(agent.user_id),
            )
        )
    return rows


def opt_outs_on(*, agents: Iterable[Agent], day) -> list[ExposureOptOut]:
    """Who stepped out on local date `day` (the per-day flag leads see)."""
    return list(
        ExposureOptOut.objects.filter(user_id__in=[a.user_id for a in agents], day=day)
        .select_related("user")
        .order_by("at")
    )


OVERRIDES_DAYS = 28


@dataclass(frozen=True)
class ExposureOverride:
    """A lead's override of the exposure rule, as the team's exposure page lists it."""

    at: datetime
    by: str
    ticket: str
    assignee: str
    rule: str
    reason: str


def exposure_overrides(
    *, agents: Iterable[Agent], at: datetime | None = None, days: int = OVERRIDES_DAYS
) -> list[ExposureOverride]:
    """The overrides of the exposure rule that handed these agents sensitive work in the last
    `days` days, newest first (read from the audit trail, where tickets' assignment service
    records each one with the assignee and the reason)."""
    at = at or timezone.now()
    names = {a.user_id: str(a) for a in agents}
    entries = AuditEntry.objects.filter(
        action=AuditEntry.Action.EXPOSURE_OVERRIDE,
        at__gte=at - timedelta(days=days),
        detail__assignee__in=list(names),
    ).order_by("-at")[:100]
    return [
        ExposureOverride(
            at=e.at,
            by=e.actor_label,
            ticket=e.target_label,
            assignee=names.get(e.detail.get("assignee"), ""),
            rule=str(e.detail.get("rule", "")),
            reason=str(e.detail.get("reason", "")),
        )
        for e in entries
    ]
