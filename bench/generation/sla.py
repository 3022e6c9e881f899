"""The running SLA targets of a generated unsolved ticket."""

from __future__ import annotations

from bench.generation.copytext import n_bool, ts, utc

SLA_COLS = (
    "id, ticket_id, policy_id, kind, target_minutes, business_time, started_at, due_at, "
    "at_risk_at, paused_at, paused_minutes, stopped_at, breached_at, met, warned_at, "
    "escalation_level"
)


REPLY_MINUTES = {1: 1440, 2: 480, 3: 240, 4: 60}


RESOLUTION_MINUTES = 3 * 24 * 60


def sla_targets(tid, status, priority, created, first_reply, last_req, last_public, now_s):
    """The running SLA targets of an unsolved ticket, 24/7 with no policy: first or next reply
    while it waits on us (new, open) and resolution (paused while pending / on hold). Targets
    due more than an hour ago are as an earlier sweep left them (warned, breached, escalation
    level 1). Yields (COPY line after id and ticket, the UTC day it ended or None)."""
    targets = []
    if status in ("new", "open"):
        kind = "first_reply" if first_reply is None else "next_reply"
        targets.append((kind, REPLY_MINUTES[priority], last_req, None))
    paused = (last_public or created) if status in ("pending", "on_hold") else None
    targets.append(("resolution", RESOLUTION_MINUTES, created, paused))
    for kind, minutes, started, paused_at in targets:
        due, at_risk = started + minutes * 60, started + minutes * 45
        breached = met = warned = None
        level = 0
        if due < now_s - 3600:
            breached, met, warned, level = due, False, at_risk, 1
        elif at_risk < now_s - 3600:
            warned = at_risk
        from metrics.services.rollups import sla_ended_at

        ended = sla_ended_at(met, None, utc(breached), utc(due))
        yield (
            f"\\N\t{kind}\t{minutes}\tf\t{ts(started)}\t{ts(due)}\t{ts(at_risk)}\t"
            f"{ts(paused_at)}\t0\t\\N\t{ts(breached)}\t{n_bool(met)}\t{ts(warned)}\t{level}",
            ended.date() if ended else None,
        )
