"""After the load: TicketMetric rows and daily rollups through the metrics app's services, in two
processes, and the check of a sample of ticket metrics against the app's recompute."""

from __future__ import annotations

import multiprocessing
from datetime import date, datetime, timedelta

from bench.generation.config import DAYS, TICKETS, log


def _metrics_worker(args) -> int:
    lo, hi, now_iso = args
    from django.db import connections

    from metrics.services.rollups import ticket_metrics_recompute

    connections.close_all()
    now = datetime.fromisoformat(now_iso)
    step = 20_000
    for a in range(lo, hi, step):
        ticket_metrics_recompute(ticket_ids=range(a, min(hi, a + step)), now=now)
    return hi - lo


def _rebuild_worker(days: list[date]) -> int:
    from django.db import connections

    from metrics.services.rollups import rollup_rebuild_days

    connections.close_all()
    return rollup_rebuild_days(days=days)


def rollups(now: datetime, *, recompute_metrics: bool = False) -> dict:
    """TicketMetric rows of every ticket with the metrics app's ticket_metrics_recompute (two
    processes over id halves, when `recompute_metrics`), every day's rollups with its
    rollup_rebuild_days (two processes over disjoint days), then productive time per
    agent-day with productive_time_refresh (a few queries for the whole year)."""
    from django.db import connections

    from metrics.models import RollupWatermark, TicketMetric
    from metrics.services.rollups import WATERMARK

    connections.close_all()
    ctx = multiprocessing.get_context("fork")
    if recompute_metrics:
        half = TICKETS // 2 + 1
        parts = [(1, half, now.isoformat()), (half, TICKETS + 1, now.isoformat())]
        with ctx.Pool(2) as pool:
            pool.map(_metrics_worker, parts)
        log("ticket metrics done")
    days = set(TicketMetric.objects.values_list("created_day", flat=True).distinct()) | {
        now.date() - timedelta(days=i) for i in range(DAYS + 1)
    }
    ordered = sorted(days)
    connections.close_all()
    # Two disjoint runs of days in two processes: each replaces only its own days' rows.
    mid = len(ordered) // 2
    with ctx.Pool(2) as pool:
        rows = sum(pool.map(_rebuild_worker, [ordered[:mid], ordered[mid:]]))
    RollupWatermark.objects.update_or_create(name=WATERMARK, defaults={"value": now})
    log("daily rollups done")
    out = {"rollup_rows": rows, "rollup_days": len(days)}
    try:  # productive time per agent-day (metrics' own refresh), where the code has it
        from metrics.services.productive import productive_time_refresh
    except ImportError:
        return out
    agent_days = [d for d in ordered if d >= (now - timedelta(days=DAYS)).date()]
    out["agent_days"] = productive_time_refresh(days=agent_days, now=now)
    return out


def verify_metrics(now: datetime, sample: int = 2000) -> int:
    """Recompute the TicketMetric rows of a spread of tickets with the metrics app's
    ticket_metrics_recompute (reading the loaded messages, events, CSAT and SLA targets, in a
    transaction rolled back) and stop if any field differs from what the stream wrote."""
    from django.db import transaction

    from metrics.models import TicketMetric
    from metrics.services.rollups import ticket_metrics_recompute

    ids = sorted({1 + i * 7919 % TICKETS for i in range(sample)} | {TICKETS})
    fields = [
        f.attname
        for f in TicketMetric._meta.concrete_fields
        if not f.primary_key and f.name != "computed_at"
    ]

    def snapshot() -> dict:
        rows = TicketMetric.objects.filter(ticket_id__in=ids).values(*fields)
        return {r["ticket_id"]: r for r in rows}

    written = snapshot()
    with transaction.atomic():
        ticket_metrics_recompute(ticket_ids=ids, now=now)
        recomputed = snapshot()
        transaction.set_rollback(True)
    wrong = [t for t in ids if written.get(t) != recomputed.get(t)]
    if wrong:
        t = wrong[0]
        raise SystemExit(
            f"generate: {len(wrong)} of {len(ids)} ticket metrics differ from the metrics app's, "
            f"e.g. ticket {t}: written {written.get(t)} != recomputed {recomputed.get(t)}"
        )
    return len(ids)
