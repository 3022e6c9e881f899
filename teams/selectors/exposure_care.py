"""What leads and associates read about exposure: the team's figures, who stepped out, the
overrides of the exposure rule, and each person's last four weeks."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from ..models import Agent, AuditEntry, ExposureEntry, ExposureOptOut, ExposureReveal, Sensitivity
from .exposure import exposure_opt_outs_in_force, shift_window


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


# ------------------------------------------------------------ the last four weeks, for care
CARE_WEEKS = 4


@dataclass(frozen=True)
class ExposureFigures:
    """One person's exposure over a period: sensitive or restricted tickets handled (and how
    many restricted), work time on them, sensitive media revealed."""

    tickets: int = 0
    restricted: int = 0
    seconds: float = 0
    reveals: int = 0

    @property
    def minutes(self) -> int:
        return round(self.seconds / 60)


@dataclass(frozen=True)
class CareRow:
    """A person's exposure this shift and in each of the last four weeks (newest first: the
    last 7 days, then the 7 before...), and whether their lead is prompted to check in."""

    agent: Agent
    shift: ExposureFigures
    weeks: list[ExposureFigures]
    check_in: bool


def _figures(entries, reveals, start: datetime, end: datetime) -> ExposureFigures:
    mine = [e for e in entries if start <= e[0] < end]
    return ExposureFigures(
        tickets=len(mine),
        restricted=sum(1 for _, s, _ in mine if s == Sensitivity.RESTRICTED),
        seconds=sum(seconds for _, _, seconds in mine),
        reveals=sum(1 for when in reveals if start <= when < end),
    )


def needs_check_in(*, week: ExposureFigures, team) -> bool:
    """Is the lead prompted to check in with someone whose last 7 days are `week`? When their
    exposure minutes pass the team's threshold, or they reached the team's weekly cap. A
    prompt to care, never a rating: no metric or ranking reads it."""
    if team is None:
        return False
    minutes = team.exposure_check_in_minutes
    cap = team.exposure_cap_per_week
    return (minutes is not None and week.minutes >= minutes) or (
        cap is not None and week.tickets >= cap
    )


def exposure_care_rows(
    *, agents: Iterable[Agent], at: datetime | None = None, weeks: int = CARE_WEEKS
) -> list[CareRow]:
    """Per person: this shift and each of the last `weeks` weeks (handled, restricted,
    exposure minutes, reveals) and the check-in prompt. Pass agents with their team and rota
    prefetched (selectors.rotas_prefetched): two queries in all. An entry counts in the
    period its handling began in; its minutes are the work time the workspace recorded."""
    at = at or timezone.now()
    until = at + timedelta(microseconds=1)  # up to and including `at`
    agents = list(agents)
    ids = [a.user_id for a in agents]
    since = until - timedelta(days=7 * weeks)
    entries: dict[int, list[tuple[datetime, str, float]]] = {i: [] for i in ids}
    for user_id, when, sensitivity, seconds in ExposureEntry.objects.filter(
        user_id__in=ids, at__gte=since, at__lt=until
    ).values_list("user_id", "at", "sensitivity", "seconds"):
        entries[user_id].append((when, sensitivity, seconds))
    reveals: dict[int, list[datetime]] = {i: [] for i in ids}
    for user_id, when in ExposureReveal.objects.filter(
        user_id__in=ids, at__gte=since, at__lt=until
    ).values_list("user_id", "at"):
        reveals[user_id].append(when)
    rows = []
    for agent in agents:
        mine, seen = entries[agent.user_id], reveals[agent.user_id]
        start, end = shift_window(agent=agent, at=at)
        by_week = [
            _figures(mine, seen, until - timedelta(days=7 * (i + 1)), until - timedelta(days=7 * i))
            for i in range(weeks)
        ]
        rows.append(
            CareRow(
                agent=agent,
                shift=_figures(mine, seen, start, min(end, until)),
                weeks=by_week,
                check_in=needs_check_in(week=by_week[0], team=agent.team),
            )
        )
    return rows
