"""Keeping TicketMetric rows and DailyRollups current: incremental refresh and backfill."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

from django.db import connection, models, transaction
from django.db.models import Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from core.copy import insert_objects
from tickets.models import Category, CSATResponse, Ticket, TicketSLA, WorkSession

from .. import histogram
from ..facts import TICKET_FIELDS, TicketFacts, facts_for_tickets
from ..models import (
    DailyAgentRollup,
    DailyRollup,
    DailySLARollup,
    DailyTeamRollup,
    DailyTeamSLARollup,
    QAReview,
    RollupWatermark,
    TicketMetric,
    WeeklyAgentRollup,
    WeeklyTeamRollup,
)
from ..models.rollups import RollupFigures

WATERMARK = "rollups"
# The first UTC day whose tickets have not been re-rolled since an upgrade added rollup
# tables or figures (migration 0015) or since a first refresh that read only recent changes;
# rollup_backfill_step works forward from it, BACKFILL_STEP_DAYS of created tickets a run.
BACKFILL = "backfill"
BACKFILL_STEP_DAYS = 7
WEEK_LOCK = 0x6D657472  # advisory lock class of weekly_rollups_rebuild ("metr")
CHUNK = 2000
# A ticket is re-read when it changed within this margin before the watermark too, so a
# transaction that committed late (updated_at set before the last run read) is not missed.
OVERLAP = timedelta(minutes=5)
# With no watermark yet, a refresh reads every ticket only up to this many (the embedded demo);
# beyond it just the tickets changed in FIRST_RUN_DAYS, and the backfill command does the rest.
FIRST_RUN_MAX = 50_000
FIRST_RUN_DAYS = timedelta(days=2)


def _day(value: datetime | None) -> date | None:
    return value.astimezone(UTC).date() if value else None


def _metric_days(m: TicketMetric) -> set[date]:
    days = (m.created_day, m.first_reply_day, m.solved_day, m.csat_day)
    return {d for d in days if d} | {date.fromisoformat(d) for d in m.sla_days or ()}


def _bounds(days: set[date]) -> tuple[datetime, datetime]:
    lo = datetime.combine(min(days), datetime.min.time(), tzinfo=UTC)
    hi = datetime.combine(max(days) + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
    return lo, hi


def sla_ended_at(met, stopped_at, breached_at, due_at) -> datetime | None:
    """When a target ended (tickets.querysets.TicketSLAQuerySet); None while it runs."""
    if met is True:
        return stopped_at
    if breached_at is not None:
        return breached_at
    if met is False:
        return due_at
    return None


def _sla_days(ticket_ids: list[int]) -> dict[int, set[date]]:
    out: dict[int, set[date]] = {}
    rows = TicketSLA.objects.filter(ticket_id__in=ticket_ids).filter(
        Q(met__isnull=False) | Q(breached_at__isnull=False)
    )
    for tid, met, stopped, breached, due in rows.values_list(
        "ticket_id", "met", "stopped_at", "breached_at", "due_at"
    ):
        ended = sla_ended_at(met, stopped, breached, due)
        if ended is not None:
            out.setdefault(tid, set()).add(_day(ended))
    return out


def ticket_metric_values(
    row: dict,
    f: TicketFacts,
    *,
    csat: tuple[int, int | None, datetime] | None,
    sla_days: Iterable[date],
    now: datetime,
) -> dict:
    """The TicketMetric fields (attnames, no primary key) of a ticket row (TICKET_FIELDS), its
    facts, its CSAT (rating, credited agent id, rated at) and the days its SLA targets ended.
    A pure function: bench/generate.py builds a million rows with it from data in memory."""
    rating, csat_agent, rated_at = csat or (None, None, None)
    return {
        "ticket_id": row["pk"],
        "agent_id": row["assignee_id"],
        "team_id": row["team_id"],
        "category_id": row["category_id"],
        "channel": row["channel"],
        "created_day": _day(row["created_at"]),
        "first_reply_day": _day(f.first_reply_at),
        "solved_day": _day(f.latest_solved_at) if f.solved else None,
        "sla_days": sorted(d.isoformat() for d in sla_days),
        "first_reply_minutes": f.first_reply_minutes,
        "first_resolution_minutes": f.first_resolution_minutes,
        "full_resolution_minutes": f.full_resolution_minutes,
        "requester_wait_minutes": f.requester_wait_minutes,
        "agent_wait_minutes": f.agent_wait_minutes,
        "on_hold_minutes": f.on_hold_minutes,
        "solved": f.solved,
        "reopens": f.reopens,
        "one_touch": f.one_touch,
        "csat_rating": rating,
        "csat_agent_id": csat_agent,
        "csat_day": _day(rated_at),
        "computed_at": now,
    }


def ticket_metrics_recompute(*, ticket_ids: Iterable[int], now: datetime) -> set[date]:
    """Recompute TicketMetric rows for these tickets; returns every day they counted on,
    before or after (the days whose rollups must be rebuilt)."""
    ids = list(ticket_ids)
    touched: set[date] = set()
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        old = {m.ticket_id: m for m in TicketMetric.objects.filter(ticket_id__in=chunk)}
        for m in old.values():
            touched |= _metric_days(m)
        rows = Ticket.objects.filter(pk__in=chunk).order_by().values(*TICKET_FIELDS)
        csat = {
            t: (rating, agent, at)
            for t, rating, agent, at in CSATResponse.objects.filter(
                ticket_id__in=chunk, rating__isnull=False
            ).values_list("ticket_id", "rating", "agent_id", "rated_at")
        }
        sla_days = _sla_days(chunk)
        fresh = []
        for row, f in facts_for_tickets(rows, now=now):
            m = TicketMetric(
                **ticket_metric_values(
                    row,
                    f,
                    csat=csat.get(row["pk"]),
                    sla_days=sla_days.get(row["pk"], ()),
                    now=now,
                )
            )
            if row["pk"] in old:
                m.pk = old[row["pk"]].pk
            touched |= _metric_days(m)
            fresh.append(m)
        TicketMetric.objects.filter(ticket_id__in=chunk).delete()
        TicketMetric.objects.bulk_create(fresh, batch_size=CHUNK)
    return touched


def _qa_scores(days: set[date]):
    """(day, agent, team, category, channel, score) of counted QA reviews on these days."""
    lo, hi = _bounds(days)
    reviews = (
        QAReview.objects.counted()
        .filter(submitted_at__gte=lo, submitted_at__lt=hi)
        .order_by()
        .values_list(
            "submitted_at", "agent_id", "team_id", "ticket__category_id", "ticket__channel", "score"
        )
    )
    for at, agent, team, category, channel, score in reviews.iterator(chunk_size=CHUNK):
        if _day(at) in days:
            yield _day(at), agent, team, category, channel, score


# The TicketMetric fields the daily rollups read.
ROLLED_UP = (
    "agent_id", "team_id", "category_id", "channel", "created_day", "first_reply_day",
    "first_reply_minutes", "solved_day", "reopens", "one_touch", "full_resolution_minutes",
    "csat_day", "csat_rating", "csat_agent_id",
)  # fmt: skip


def _new(model: type[models.Model], **values) -> SimpleNamespace:
    """A rollup row being summed: the model's fields (defaults, then `values`) as plain
    attributes, written by core.copy.insert_objects. A year of rollups is over a million
    rows, and building them as model instances cost more than the summing."""
    blank = _BLANK.get(model)
    if blank is None:
        blank = _BLANK[model] = {
            f.attname: f.get_default() for f in model._meta.concrete_fields if not f.primary_key
        }
    row = SimpleNamespace(**blank)
    row.__dict__.update(values)
    for name, value in blank.items():
        if isinstance(value, dict | list) and name not in values:
            setattr(row, name, type(value)())
    return row


_BLANK: dict[type, dict] = {}


def rollup_rebuild_days(*, days: Iterable[date]) -> int:
    """Replace the DailyRollup rows of these UTC days from TicketMetric rows. Returns rows."""
    days = set(days)
    if not days:
        return 0
    rows: dict[tuple, SimpleNamespace] = {}

    def row(day, m) -> SimpleNamespace:
        key = (day, m["agent_id"], m["team_id"], m["category_id"], m["channel"])
        if key not in rows:
            rows[key] = _new(
                DailyRollup,
                day=day,
                agent_id=key[1],
                team_id=key[2],
                category_id=key[3],
                channel=key[4],
                frt_hist={},
                resolution_hist={},
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
            histogram.add(r.frt_hist, m["first_reply_minutes"])
        if m["solved_day"] in days:
            r = row(m["solved_day"], m)
            r.solved += 1
            r.reopened += 1 if m["reopens"] else 0
            r.one_touch += 1 if m["one_touch"] else 0
            r.resolution_sum += m["full_resolution_minutes"]
            r.resolution_count += 1
            histogram.add(r.resolution_hist, m["full_resolution_minutes"])
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
    coarse = agent_rollups(rows.values())
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
        insert_objects(DailyTeamRollup, team_rollups(coarse))
        weekly_rollups_rebuild(weeks=_weeks(days))
    return len(rows)


def _add_sla(days: set[date], row) -> list[SimpleNamespace]:
    """Count the SLA targets that ended on these days into the fine rows (credited to the
    ticket's assignee) and return the per-policy rows of the same days."""
    by_policy: dict[tuple, SimpleNamespace] = {}
    targets = (
        TicketSLA.objects.ended_between(*_bounds(days))
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
        day = _day(sla_ended_at(met, stopped, breached, due))
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
            p = by_policy[key] = _new(
                DailySLARollup,
                day=day, team_id=team, category_id=category, channel=channel,
                policy_id=policy, kind=kind,
            )  # fmt: skip
        setattr(p, outcome, getattr(p, outcome) + 1)
    return list(by_policy.values())


def team_sla_rollups(fine: Iterable) -> list[SimpleNamespace]:
    """Sum per-policy rows per day × team × category sensitivity × policy × kind."""
    sensitivity = dict(Category.objects.values_list("pk", "sensitivity"))
    out: dict[tuple, SimpleNamespace] = {}
    for r in fine:
        key = (r.day, r.team_id, sensitivity.get(r.category_id, ""), r.policy_id, r.kind)
        t = out.get(key)
        if t is None:
            t = out[key] = _new(
                DailyTeamSLARollup,
                day=r.day, team_id=r.team_id, sensitivity=key[2], policy_id=r.policy_id,
                kind=r.kind,
            )  # fmt: skip
        t.met += r.met
        t.breached += r.breached
    return list(out.values())


def _add_handle_time(days: set[date], row) -> None:
    """Add each agent's work sessions of these days (per ticket: seconds, and one ticket
    worked) to the fine rows of the ticket's team, category and channel."""
    lo, hi = _bounds(days)
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


SUMMED = tuple(
    f.name
    for f in DailyRollup._meta.get_fields()
    if f.concrete
    and f.name in {g.name for g in DailyAgentRollup._meta.get_fields()}
    and f.name not in ("id", "day", "agent", "team", "frt_hist", "resolution_hist")
)


def _summed(rows: Iterable, key, make) -> list[SimpleNamespace]:
    """`rows` added up per key(row) into new rows made by make(key) (_new; figures summed,
    histograms merged)."""
    out: dict[tuple, SimpleNamespace] = {}
    for r in rows:
        k = key(r)
        c = out.get(k)
        if c is None:
            c = out[k] = make(k)
            c.frt_hist, c.resolution_hist = {}, {}
        _add(c, r)
    return list(out.values())


def agent_rollups(fine: Iterable) -> list[SimpleNamespace]:
    """Sum fine rows per day × agent × team × category sensitivity, merging histograms."""
    sensitivity = dict(Category.objects.values_list("pk", "sensitivity"))
    out: dict[tuple, SimpleNamespace] = {}
    for r in fine:
        key = (r.day, r.agent_id, r.team_id, sensitivity.get(r.category_id, ""))
        c = out.get(key)
        if c is None:
            c = out[key] = _new(
                DailyAgentRollup,
                day=key[0], agent_id=key[1], team_id=key[2], sensitivity=key[3],
                frt_hist={}, resolution_hist={},
            )  # fmt: skip
        _add(c, r)
    return list(out.values())


def _add(target: SimpleNamespace, source: RollupFigures | SimpleNamespace) -> None:
    for name in SUMMED:
        setattr(target, name, getattr(target, name) + getattr(source, name))
    for into, more in ((target.frt_hist, source.frt_hist), (target.resolution_hist, source.resolution_hist)):  # fmt: skip
        for k, v in (more or {}).items():
            into[k] = into.get(k, 0) + v


def team_rollups(coarse: Iterable) -> list[SimpleNamespace]:
    """Sum agent rows per day × team × sensitivity."""
    out: dict[tuple, SimpleNamespace] = {}
    for r in coarse:
        key = (r.day, r.team_id, r.sensitivity)
        t = out.get(key)
        if t is None:
            t = out[key] = _new(
                DailyTeamRollup,
                day=r.day, team_id=r.team_id, sensitivity=r.sensitivity,
                frt_hist={}, resolution_hist={},
            )  # fmt: skip
        _add(t, r)
    return list(out.values())


def weekly_rollups_rebuild(*, weeks: Iterable[date]) -> int:
    """Replace the WeeklyAgentRollup and WeeklyTeamRollup rows of these weeks (Mondays) from
    the DailyAgentRollups of their seven days. Run in the transaction that wrote those: on
    PostgreSQL a transaction lock per week makes two rebuilds of days of one week (the bench's
    two processes, a refresh beside a QA rebuild) take turns, so the second sums the first's
    days too instead of each writing a week of only its own days."""
    made = 0
    with transaction.atomic():
        for week in sorted(set(weeks)):
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SELECT pg_advisory_xact_lock(%s, %s)", [WEEK_LOCK, week.toordinal()]
                    )
            daily = DailyAgentRollup.objects.filter(
                day__gte=week, day__lt=week + timedelta(days=7)
            ).order_by()
            agents = _summed(
                daily.iterator(chunk_size=CHUNK),
                lambda r: (r.agent_id, r.team_id, r.sensitivity),
                lambda k, w=week: _new(
                    WeeklyAgentRollup, week=w, agent_id=k[0], team_id=k[1], sensitivity=k[2]
                ),
            )
            teams = _summed(
                agents,
                lambda r: (r.team_id, r.sensitivity),
                lambda k, w=week: _new(WeeklyTeamRollup, week=w, team_id=k[0], sensitivity=k[1]),
            )
            WeeklyAgentRollup.objects.filter(week=week).delete()
            insert_objects(WeeklyAgentRollup, agents)
            WeeklyTeamRollup.objects.filter(week=week).delete()
            insert_objects(WeeklyTeamRollup, teams)
            made += len(agents)
    return made


def _weeks(days: Iterable[date]) -> set[date]:
    return {d - timedelta(days=d.weekday()) for d in days}


def agent_rollups_rebuild(*, days: Iterable[date] | None = None) -> int:
    """Rebuild DailyAgentRollups and DailyTeamRollups from the DailyRollups of these days (all
    days when None), a day at a time, then their weeks; for data rolled up before the coarse
    tables existed."""
    qs = DailyRollup.objects.order_by()
    all_days = sorted(set(days) if days is not None else set(qs.values_list("day", flat=True)))
    made = 0
    for day in all_days:
        coarse = agent_rollups(qs.filter(day=day).iterator(chunk_size=CHUNK))
        sla = team_sla_rollups(DailySLARollup.objects.filter(day=day))
        with transaction.atomic():
            DailyTeamSLARollup.objects.filter(day=day).delete()
            insert_objects(DailyTeamSLARollup, sla)
            DailyAgentRollup.objects.filter(day=day).delete()
            insert_objects(DailyAgentRollup, coarse)
            DailyTeamRollup.objects.filter(day=day).delete()
            insert_objects(DailyTeamRollup, team_rollups(coarse))
        made += len(coarse)
    weekly_rollups_rebuild(weeks=_weeks(all_days))
    return made


def rollup_refresh(*, now: datetime | None = None) -> dict:
    """Incremental refresh: tickets changed since the watermark, plus unreplied tickets whose
    first-reply target fell due since then; rebuilds every day they count(ed) on.

    Safe to run twice: it recomputes from the source rows and replaces whole days.
    """
    now = now or timezone.now()
    mark = RollupWatermark.objects.filter(name=WATERMARK).first()
    if mark is None and Ticket.objects.count() <= FIRST_RUN_MAX:
        since = None
        changed = Ticket.objects.all()
    elif mark is None:
        # Too much history for one task run: take the last days now; the older history is
        # left to rollup_backfill_step (a week per run) or the `rollup_backfill` command.
        since = now - FIRST_RUN_DAYS
        changed = Ticket.objects.filter(updated_at__gt=since)
        rollup_backfill_pending_from(day=_first_ticket_day())
    else:
        since = mark.value - OVERLAP
        changed = Ticket.objects.filter(updated_at__gt=since)
    ids = set(changed.values_list("pk", flat=True))
    sessions = WorkSession.objects.all()
    if since is not None:
        # The SLA sweep marks breaches without touching the ticket.
        ids |= set(
            TicketSLA.objects.filter(breached_at__gt=since, breached_at__lte=now).values_list(
                "ticket_id", flat=True
            )
        )
        sessions = sessions.filter(last_seen_at__gt=since)
    worked_days = set(
        sessions.annotate(d=TruncDate("started_at", tzinfo=UTC))
        .order_by()
        .values_list("d", flat=True)
        .distinct()
    )
    days = ticket_metrics_recompute(ticket_ids=sorted(ids), now=now) | worked_days
    rows = rollup_rebuild_days(days=days)
    RollupWatermark.objects.update_or_create(name=WATERMARK, defaults={"value": now})
    return {"tickets": len(ids), "days": len(days), "rows": rows}


def rollup_backfill(
    *, start: date, end: date, now: datetime | None = None, later_days: bool = True
) -> dict:
    """Rebuild every ticket created in [start, end] (UTC days) and every day they count on
    (with later_days=False only the days of the range: enough when working forward, since a
    ticket counts on no day before its creation). A pending backfill (BACKFILL) that starts
    inside the range moves past it."""
    now = now or timezone.now()
    lo = datetime.combine(start, datetime.min.time(), tzinfo=UTC)
    hi = datetime.combine(end + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
    ids = list(
        Ticket.objects.filter(created_at__gte=lo, created_at__lt=hi)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    days = ticket_metrics_recompute(ticket_ids=ids, now=now)
    span = {start + timedelta(days=i) for i in range((end - start).days + 1)}
    rebuilt = days | span if later_days else span
    rows = rollup_rebuild_days(days=rebuilt)
    pending = RollupWatermark.objects.filter(name=BACKFILL).first()
    if pending is not None and start <= pending.value.astimezone(UTC).date() <= end:
        if end >= now.astimezone(UTC).date():
            pending.delete()
        else:
            pending.value = hi
            pending.save(update_fields=["value"])
    return {"tickets": len(ids), "days": len(rebuilt), "rows": rows}


def _first_ticket_day() -> date | None:
    first = Ticket.objects.order_by("created_at").values_list("created_at", flat=True).first()
    return _day(first)


def rollup_backfill_pending_from(*, day: date | None) -> None:
    """Mark every ticket created from `day` on as due for a backfill (an earlier pending
    start is kept); nothing when there are no tickets."""
    if day is None:
        return
    start = datetime.combine(day, datetime.min.time(), tzinfo=UTC)
    pending = RollupWatermark.objects.filter(name=BACKFILL).first()
    if pending is None:
        RollupWatermark.objects.create(name=BACKFILL, value=start)
    elif start < pending.value:
        pending.value = start
        pending.save(update_fields=["value"])


def rollup_backfill_step(*, now: datetime | None = None, days: int = BACKFILL_STEP_DAYS) -> dict:
    """Backfill the next `days` UTC days of a pending backfill (oldest first), if any: each
    day is final once its step ran, since its tickets were all created on or before it.
    Safe to run twice (it recomputes and replaces whole days)."""
    now = now or timezone.now()
    pending = RollupWatermark.objects.filter(name=BACKFILL).first()
    if pending is None:
        return {"pending": False}
    start = pending.value.astimezone(UTC).date()
    end = min(start + timedelta(days=days - 1), now.astimezone(UTC).date())
    if end < start:  # a start in the future: nothing left to do
        pending.delete()
        return {"pending": False}
    result = rollup_backfill(start=start, end=end, now=now, later_days=False)
    left = RollupWatermark.objects.filter(name=BACKFILL).exists()
    return {"pending": left, "start": start.isoformat(), "end": end.isoformat(), **result}
