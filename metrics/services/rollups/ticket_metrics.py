"""TicketMetric rows: each ticket's figures (facts, CSAT, the days its SLA targets ended),
recomputed from the source rows; the days they count on say which rollups to rebuild."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from django.db.models import Q

from tickets.models import CSATResponse, Ticket, TicketSLA

from ...facts import TICKET_FIELDS, TicketFacts, facts_for_tickets
from ...models import TicketMetric
from .days import CHUNK, utc_day


def _metric_days(m: TicketMetric) -> set[date]:
    days = (m.created_day, m.first_reply_day, m.solved_day, m.csat_day)
    return {d for d in days if d} | {date.fromisoformat(d) for d in m.sla_days or ()}


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
            out.setdefault(tid, set()).add(utc_day(ended))
    return out


def ticket_metric_values(
    row: dict,
    f: TicketFacts,
    *,
    csat: tuple[int | None, int | None, datetime | None] | None,
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
        "created_day": utc_day(row["created_at"]),
        "first_reply_day": utc_day(f.first_reply_at),
        "solved_day": utc_day(f.latest_solved_at) if f.solved else None,
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
        "csat_day": utc_day(rated_at),
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
