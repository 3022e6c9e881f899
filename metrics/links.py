"""Links from a figure to the tickets behind it, in the tickets list's own parameter names.

The tickets list (/tickets/) reads `view` plus the parameters of tickets' FilterSet: status,
priority, team, assignee, channel, category (slug). The date and state parameters used here
(created_after/before, solved_after/before, due_after/before, breached, reopened, vendor) are
the ones metrics asks the tickets list to accept; see the metrics report for the gaps.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from urllib.parse import urlencode

from django.urls import reverse


def _fmt(value):
    if isinstance(value, list | tuple):
        return [_fmt(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def tickets_url(base: dict | None = None, **params) -> str:
    """/tickets/?view=all&… with the given filters (None values dropped)."""
    query = {"view": "all", **(base or {})}
    query.update({k: _fmt(v) for k, v in params.items() if v is not None})
    return f"{reverse('tickets:queue')}?{urlencode(query, doseq=True)}"


def day_range(start: date, end: date, kind: str) -> dict[str, str]:
    """`<kind>_after` / `<kind>_before` for a range of whole days (before is exclusive)."""
    return {
        f"{kind}_after": start.isoformat(),
        f"{kind}_before": (end + timedelta(days=1)).isoformat(),
    }
