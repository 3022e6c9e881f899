"""CSAT per category and per channel, and SLA achievement per policy, from the rollups.

Each reads one aggregate query over a small rollup table for the filter range, so its cost
follows the number of days × dimensions, not the number of tickets.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import Sum

from tickets.models import SLAPolicy, Ticket, TicketSLA

from ..filters import DashboardFilter
from ..links import day_range, tickets_url
from ..models import DailyAgentRollup, DailyRollup, DailySLARollup, DailyTeamSLARollup
from .summary import CSAT_SCORES, wilson_interval

CSAT_FIELDS = tuple(f"csat_{n}" for n in CSAT_SCORES)


def _csat_figures(counts: dict) -> dict:
    rated = sum(counts[f] for f in CSAT_FIELDS)
    satisfied = counts["csat_4"] + counts["csat_5"]
    mean = sum(n * counts[f"csat_{n}"] for n in CSAT_SCORES) / rated if rated else None
    return {
        "n": rated,
        "satisfied": satisfied,
        "pct": satisfied / rated if rated else None,
        "mean": mean,
        "interval": wilson_interval(satisfied, rated),
    }


def csat_breakdown(*, user, filters: DashboardFilter) -> dict:
    """CSAT (n, % satisfied with its 95% Wilson interval, mean) per category and per channel,
    for ratings given in the range; each figure links to the rated tickets behind it."""
    qs = filters.filter_queryset(DailyRollup.objects.visible_to(user)).order_by()
    rows = list(
        qs.values("category__slug", "category__name", "channel").annotate(
            **{f: Sum(f) for f in CSAT_FIELDS}
        )
    )
    base = filters.ticket_params()
    rated = day_range(filters.start_day, filters.end_day, "rated")

    def table(key: str, label: Callable[[dict], str], param: str) -> list[dict]:
        grouped: dict[str, dict] = {}
        for r in rows:
            g = grouped.setdefault(r[key], {"label": label(r), **dict.fromkeys(CSAT_FIELDS, 0)})
            for f in CSAT_FIELDS:
                g[f] += r[f] or 0
        out = []
        for value, g in grouped.items():
            figures = _csat_figures(g)
            if not figures["n"]:
                continue
            where = {**base, param: value}
            out.append(
                {
                    "key": value,
                    "label": g["label"],
                    **figures,
                    "url": tickets_url(where, csat="rated", **rated),
                    "satisfied_url": tickets_url(where, csat="satisfied", **rated),
                }
            )
        return sorted(out, key=lambda x: (-x["n"], x["label"]))

    channel_label = dict(Ticket.Channel.choices)
    total = {f: sum(r[f] or 0 for r in rows) for f in CSAT_FIELDS}
    return {
        "categories": table("category__slug", lambda r: r["category__name"], "category"),
        "channels": table(
            "channel", lambda r: channel_label.get(r["channel"], r["channel"]), "channel"
        ),
        "total": {
            **_csat_figures(total),
            "url": tickets_url(base, csat="rated", **rated),
            "satisfied_url": tickets_url(base, csat="satisfied", **rated),
        },
    }


def sla_by_policy(*, user, filters: DashboardFilter) -> list[dict]:
    """Per SLA policy and target kind: targets met and breached that ended in the range, the
    achievement rate, and links to the tickets with those targets."""
    if filters.needs_fine_rows:
        qs = filters.filter_queryset(DailySLARollup.objects.visible_to(user))
    else:  # the per-team table: a few rows per team and day
        qs = filters.coarse_queryset(DailyTeamSLARollup.objects.visible_to(user))
    rows = list(
        qs.order_by().values("policy_id", "kind").annotate(met=Sum("met"), breached=Sum("breached"))
    )
    names = dict(
        SLAPolicy.objects.filter(
            pk__in={r["policy_id"] for r in rows if r["policy_id"]}
        ).values_list("pk", "name")
    )
    kinds = dict(TicketSLA.Kind.choices)
    order = list(kinds)
    base = filters.ticket_params()
    ended = day_range(filters.start_day, filters.end_day, "sla_ended")
    out = []
    for r in rows:
        policy = str(r["policy_id"]) if r["policy_id"] else "none"
        where = {**base, "sla_kind": r["kind"], "sla_policy": policy, **ended}
        total = r["met"] + r["breached"]
        out.append(
            {
                "policy_id": r["policy_id"],
                "policy": names.get(r["policy_id"], "No policy (default targets)"),
                "kind_id": r["kind"],
                "kind": kinds.get(r["kind"], r["kind"]),
                "kind_order": order.index(r["kind"]) if r["kind"] in order else 99,
                "met": r["met"],
                "breached": r["breached"],
                "rate": r["met"] / total if total else None,
                "met_url": tickets_url(where, sla_outcome="met"),
                "breached_url": tickets_url(where, sla_outcome="breached"),
            }
        )
    return sorted(out, key=lambda x: (x["policy"], x["kind_order"]))


def sla_by_kind(policies: list[dict]) -> list[dict]:
    """sla_by_policy's rows summed per target kind (first reply, next reply, resolution)."""
    kinds: dict[str, dict] = {}
    for p in policies:
        k = kinds.setdefault(
            p["kind_id"],
            {"kind_id": p["kind_id"], "kind": p["kind"], "order": p["kind_order"], "met": 0,
             "breached": 0},
        )  # fmt: skip
        k["met"] += p["met"]
        k["breached"] += p["breached"]
    for k in kinds.values():
        total = k["met"] + k["breached"]
        k["rate"] = k["met"] / total if total else None
    return sorted(kinds.values(), key=lambda k: k.pop("order"))


def handle_time_per_agent_day(*, user, filters: DashboardFilter, agent_id: int | None = None):
    """Handle time per UTC day × agent (dicts: day, agent_id, agent__username, seconds,
    tickets — ticket-days worked), for the agents and tickets the viewer may see; unordered."""
    if filters.needs_fine_rows:
        qs = filters.filter_queryset(DailyRollup.objects.visible_to(user))
    else:
        qs = filters.coarse_queryset(DailyAgentRollup.objects.visible_to(user))
    if agent_id is not None:
        qs = qs.filter(agent_id=agent_id)
    return (
        qs.filter(handle_count__gt=0)
        .order_by()
        .values("day", "agent_id", "agent__username")
        .annotate(seconds=Sum("handle_seconds"), tickets=Sum("handle_count"))
    )
