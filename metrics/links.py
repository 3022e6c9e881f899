"""Links from a figure to the tickets behind it, in the tickets list's own parameter names.

The tickets list (/tickets/) reads `view` plus tickets.filters.TicketFilter: status (several),
category (slug, several), team (id), vendor (id), assignee (id or "none"), channel, sla
(breached / due_soon), reopened (true), created_/solved_/due_/first_reply_/rated_ after/before
(ISO datetimes), csat (with csat_agent: ratings credited to that agent), sla_outcome with
sla_kind/sla_policy/sla_ended_after/before, worked_by with worked_after/before (tickets with
handle time of that agent in the window), one_touch (true), and qa_reviewed_after/before
(tickets with a counted QA review submitted in the window).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from urllib.parse import quote, urlencode

from core.urls import path_for
from tickets.models import Ticket, TicketSLA


def _fmt(value):
    if isinstance(value, list | tuple):
        return [_fmt(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def tickets_url(base: dict | None = None, **params) -> str:
    """/tickets/?view=all&… with the given filters (None values dropped); the path reversed
    once per process (core.urls: a page builds hundreds of links to the same few pages)."""
    query = {"view": "all", **(base or {})}
    query.update({k: _fmt(v) for k, v in params.items() if v is not None})
    return f"{path_for('tickets:queue')}?{urlencode(query, doseq=True)}"


def with_param(url: str, name: str, value) -> str:
    """`url` (from tickets_url) narrowed by one more parameter: per-row links (one per agent
    or team) share everything else, so that part is encoded once per page."""
    return f"{url}&{quote(name)}={quote(_fmt(value), safe='')}"


def day_range(start: date, end: date, kind: str) -> dict[str, str]:
    """`<kind>_after` / `<kind>_before` for whole UTC days (ISO datetimes, before exclusive)."""
    lo = datetime.combine(start, datetime.min.time(), tzinfo=UTC)
    hi = datetime.combine(end + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
    return {f"{kind}_after": _fmt(lo), f"{kind}_before": _fmt(hi)}


SLA_KINDS = tuple(TicketSLA.Kind.values)


def summary_links(base: dict, start: date, end: date) -> dict[str, str]:
    """The tickets behind each summary card (metrics/_summary.html) over whole UTC days
    start..end, under the dashboard's other choices (`base`, DashboardFilter.ticket_params):
    created, solved (and resolved), first replied, reopened, one-touch, with SLA targets met
    or breached (sla_met: any kind; sla_met_first_reply… per kind, a target each), QA-reviewed,
    rated and rated 4-5; each list's count is the card's count (SLA: per kind, as a ticket
    has one target of each kind but may have met several)."""
    done = list(Ticket.DONE)
    solved = day_range(start, end, "solved")
    rated = day_range(start, end, "rated")
    ended = day_range(start, end, "sla_ended")
    return {
        "created": tickets_url(base, **day_range(start, end, "created")),
        "solved": tickets_url(base, status=done, **solved),
        "first_reply": tickets_url(base, **day_range(start, end, "first_reply")),
        "reopened": tickets_url(base, status=done, reopened="true", **solved),
        "one_touch": tickets_url(base, status=done, one_touch="true", **solved),
        **{
            f"sla_{outcome}{kind and '_'}{kind}": tickets_url(
                base, sla_outcome=outcome, sla_kind=kind or None, **ended
            )
            for outcome in ("met", "breached")
            for kind in ("", *SLA_KINDS)
        },
        "qa": tickets_url(base, **day_range(start, end, "qa_reviewed")),
        "csat": tickets_url(base, csat="rated", **rated),
        "csat_satisfied": tickets_url(base, csat="satisfied", **rated),
    }
