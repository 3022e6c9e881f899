"""A generated ticket's TicketMetric row, through the metrics app's own code."""

from __future__ import annotations

from datetime import datetime

from bench.generation.copytext import utc


def ticket_metric(row: dict, thread: list, evs: list, csat, sla_days: set, now: datetime) -> dict:
    """The ticket's TicketMetric fields from what was just generated, through the metrics
    app's own compute_facts and ticket_metric_values (the same code ticket_metrics_recompute
    runs over the database): public messages are the replies, status events the changes."""
    from metrics.facts import Reply, StatusChange, compute_facts
    from metrics.services.rollups import ticket_metric_values

    replies = [Reply(utc(at), kind == "a") for kind, at, _text in thread if kind != "n"]
    changes = [
        StatusChange(utc(at), old, new) for _a, at, kind, _f, old, new in evs if kind == "status"
    ]
    facts = compute_facts(
        ticket_id=row["pk"],
        created_at=row["created_at"],
        status=row["status"],
        reopen_count=row["reopen_count"],
        solved_at=row["solved_at"],
        replies=replies,
        changes=changes,
        now=now,
    )
    return ticket_metric_values(row, facts, csat=csat, sla_days=sla_days, now=now)
