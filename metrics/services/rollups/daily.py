"""Daily rollups: the fine rows (agent × team × category × channel) of whole UTC days, rebuilt
from TicketMetric rows, QA reviews, ended SLA targets and work sessions, with the coarser
agent, team and week rows summed from them."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date
from types import SimpleNamespace

from django.db import transaction
from django.db.models import Q, Sum
from django.db.models.functions import TruncDate

from core.copy import insert_objects
from tickets.models import TicketSLA, WorkSession

from ... import sketch
from ...models import (
    DailyAgentRollup,
    DailyRollup,
    DailySLARollup,
    DailyTeamRollup,
    DailyTeamSLARollup,
    QAReview,
    TicketMetric,
)
from .days import CHUNK, day_bounds, utc_day, weeks_of
from .summing import agent_rollups, new_row, stored, team_rollups, team_sla_rollups
from .ticket_metrics import sla_ended_at
from .weekly import weekly_rollups_rebuild


def _qa_scores(days: set[date]):
    """(day, agent, team, category, channel, score) of counted QA reviews on these days."""
    lo, hi = day_bounds(days)
    reviews = (
        QAReview.objects.counted()
        .filter(submitted_at__gte=lo, submitted_at__lt=hi)
        .order_by()
        .values_list(
            "submitted_at", "agent_id", "team_id", "ticket__category_id", "ticket__channel", "score"
        )
    )
    for at, agent, team, category, channel, score in reviews.iterator(chunk_size=CHUNK):
        if utc_day(at) in days:
            yield utc_day(at), agent, team, category, channel, score


# The TicketMetric fields the daily rollups read.
ROLLED_UP = (
    "agent_id", "team_id", "category_id", "channel", "created_day", "first_reply_day",
    "first_reply_minutes", "solved_day", "reopens", "one_touch", "full_resolution_minutes",
    "csat_day", "csat_rating", "csat_agent_id",
)  # fmt: skip


def rollup_rebuild_days(*, days: Iterable[date]) -> int:
    """Replace the DailyRollup rows of these UTC days from TicketMetric rows. Returns rows."""
    days = set(days)
    if not days:
        return 0
    rows: dict[tuple, SimpleNamespace] = {}

    def row(day, m) -> SimpleNamespace:
        key = (day, m["agent_id"], m["team_id"], m["category_id"], m["channel"])
        if key not in rows:
            rows[key] = new_row(
                DailyRollup,
                day=day,
                agent_id=key[1],
                team_id=key[2],
                category_id=key[3],
                channel=key[4],
                frt_sketch=[],
                resolution_sketch=[],
            )
        return rows[key]

    metrics = TicketMetric.objects.filter(
        Q(created_day__in=days)
        | Q(first_reply_day__in=days)
        | Q(solved_day__in=days)
        | Q(csat_day__in=days)
    ).values(*ROLLED_UP)
    for m in metrics.iterator(chunk_size=CHUNK):
        if m["created_day"] in days:
            row(m["created_day"], m).created += 1
        if m["first_reply_day"] in days and m["first_reply_minutes"] is not None:
            r = row(m["first_reply_day"], m)
            r.frt_sum += m["first_reply_minutes"]
            r.frt_count += 1
            r.frt_sketch.append(m["first_reply_minutes"])
        if m["solved_day"] in days:
            r = row(m["solved_day"], m)
            r.solved += 1
            r.reopened += 1 if m["reopens"] else 0
            r.one_touch += 1 if m["one_touch"] else 0
            r.resolution_sum += m["full_resolution_minutes"]
            r.resolution_count += 1
            r.resolution_sketch.append(m["full_resolution_minutes"])
        if m["csat_day"] in days and m["csat_rating"]:
            r = row(m["csat_day"], {**m, "agent_id": m["csat_agent_id"]})
            field = f"csat_{m['csat_rating']}"
            setattr(r, field, getattr(r, field) + 1)
    for day, agent, team, category, channel, score in _qa_scores(days):
        dims = {"agent_id": agent, "team_id": team, "category_id": category, "channel": channel}
        r = row(day, dims)
        r.qa_sum += score
        r.qa_count += 1
    sla_rows = _add_sla(days, row)
    _add_handle_time(days, row)
    for r in rows.values():  # the durations collected above, as sketches
        r.frt_sketch, r.resolution_sketch = sketch.of(r.frt_sketch), sketch.of(r.resolution_sketch)
    coarse = agent_rollups(rows.values())
    teams = team_rollups(coarse)
    stored(rows.values(), coarse, teams)
    with transaction.atomic():
        DailySLARollup.objects.filter(day__in=days).delete()
        insert_objects(DailySLARollup, sla_rows)
        DailyTeamSLARollup.objects.filter(day__in=days).delete()
        insert_objects(DailyTeamSLARollup, team_sla_rollups(sla_rows))
        DailyRollup.objects.filter(day__in=days).delete()
        insert_objects(DailyRollup, rows.values())
        DailyAgentRollup.objects.filter(day__in=days).delete()
        insert_objects(DailyAgentRollup, coarse)
        DailyTeamRollup.objects.filter(day__in=days).delete()
        insert_objects(DailyTeamRollup, teams)
        weekly_rollups_rebuild(weeks=weeks_of(days))
    return len(rows)


def _add_sla(days: set[date], row) -> list[SimpleNamespace]:
    """Count the SLA targets that ended on these days into the fine rows (credited to the
    ticket's assignee) and return the per-policy rows of the same days."""
    by_policy: dict[tuple, SimpleNamespace] = {}
    targets = (
        TicketSLA.objects.ended_between(*day_bounds(days))
        .order_by()
        .values_list(
            "kind", "policy_id", "met", "stopped_at", "breached_at", "due_at",
            "ticket__assignee_id", "ticket__team_id", "ticket__category_id", "ticket__channel",
        )
    )  # fmt: skip
    for (
        kind,
        policy,
        met,
        stopped,
        breached,
        due,
        agent,
        team,
        category,
        channel,
    ) in targets.iterator(chunk_size=CHUNK):
        day = utc_day(sla_ended_at(met, stopped, breached, due))
        if day not in days:
            continue
        dims = {"agent_id": agent, "team_id": team, "category_id": category, "channel": channel}
        r = row(day, dims)
        outcome = "met" if met is True else "breached"
        if met is True:
            r.sla_achieved += 1
        else:
            r.sla_breached += 1
        field = f"sla_{kind}_{outcome}"
        setattr(r, field, getattr(r, field) + 1)
        key = (day, team, category, channel, policy, kind)
        p = by_policy.get(key)
        if p is None:
            p = by_policy[key] = new_row(
                DailySLARollup,
                day=day, team_id=team, category_id=category, channel=channel,
                policy_id=policy, kind=kind,
            )  # fmt: skip
        setattr(p, outcome, getattr(p, outcome) + 1)
    return list(by_policy.values())


def _add_handle_time(days: set[date], row) -> None:
    """Add each agent's work sessions of these days (per ticket: seconds, and one ticket
    worked) to the fine rows of the ticket's team, category and channel."""
    lo, hi = day_bounds(days)
    worked = (
        WorkSession.objects.filter(started_at__gte=lo, started_at__lt=hi)
        .annotate(day=TruncDate("started_at", tzinfo=UTC))
        .order_by()
        .values(
            "day", "agent_id", "ticket_id", "ticket__team_id", "ticket__category_id",
            "ticket__channel",
        )
        .annotate(seconds=Sum("seconds"))
        .filter(seconds__gt=0)
    )  # fmt: skip
    for w in worked.iterator(chunk_size=CHUNK):
        if w["day"] not in days:
            continue
        dims = {
            "agent_id": w["agent_id"],
            "team_id": w["ticket__team_id"],
            "category_id": w["ticket__category_id"],
            "channel": w["ticket__channel"],
        }
        r = row(w["day"], dims)
        r.handle_seconds += w["seconds"]
        r.handle_count += 1


def agent_rollups_rebuild(*, days: Iterable[date] | None = None) -> int:
    """Rebuild DailyAgentRollups and DailyTeamRollups from the DailyRollups of these days (all
    days when None), a day at a time, then their weeks; for data rolled up before the coarse
    tables existed."""
    qs = DailyRollup.objects.order_by()
    all_days = sorted(set(days) if days is not None else set(qs.values_list("day", flat=True)))
    made = 0
    for day in all_days:
        coarse = agent_rollups(qs.filter(day=day).iterator(chunk_size=CHUNK))
        teams = team_rollups(coarse)
        stored(coarse, teams)
        sla = team_sla_rollups(DailySLARollup.objects.filter(day=day))
        with transaction.atomic():
            DailyTeamSLARollup.objects.filter(day=day).delete()
            insert_objects(DailyTeamSLARollup, sla)
            DailyAgentRollup.objects.filter(day=day).delete()
            insert_objects(DailyAgentRollup, coarse)
            DailyTeamRollup.objects.filter(day=day).delete()
            insert_objects(DailyTeamRollup, teams)
        made += len(coarse)
    weekly_rollups_rebuild(weeks=weeks_of(all_days))
    return made
