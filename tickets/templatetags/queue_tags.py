"""The queue page's hot paths (tickets/queue.html): its 50 rows and the filter form's selects.

Both are built here in plain Python instead of template loops and Django's widget templates
(some forty lookups, filters and two URL reversals a row; a template rendered per <option>),
which were most of the page's rendering time. Every value is escaped with html.escape."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from functools import lru_cache
from html import escape

from django import template
from django.utils import timezone
from django.utils.dates import MONTHS_3
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from core.urls import path_for, resolving_now
from teams.models import Sensitivity

from ..models import Ticket

register = template.Library()

PRIORITY_LABELS = dict(Ticket.Priority.choices)
STATUS_LABELS = dict(Ticket.Status.choices)
SENSITIVITY_LABELS = dict(Sensitivity.choices)
_ROW = (
    '<tr data-href="{url}">\n        <td><a href="{url}">{ref}</a></td>\n        <td>{subject}</td>\n'
    "        <td>{requester}</td>\n        <td>{category}{sensitivity}</td>\n"
    '        <td><span class="badge{priority_class}">{priority}</span></td>\n'
    '        <td><span class="badge badge-{status}">{status_label}</span></td>\n'
    "        <td>{due}</td>\n        <td>{assignee}</td>\n      </tr>"
)


@lru_cache(maxsize=16)
def _months(language: str | None) -> tuple[str, ...]:
    """Django's "M" date format: the month's three-letter name (translated), capitalised."""
    return ("",) + tuple(str(MONTHS_3[m]).title() for m in range(1, 13))


def _due(due_at: datetime | None, tz, months) -> str:
    if due_at is None:
        return "—"
    local = due_at.astimezone(tz)
    shown = f"{months[local.month]} {local.day}, {local:%H:%M}"
    return f'<time datetime="{local.isoformat()}">{shown}</time>'


def queue_row_html(row: dict, *, resolving: tuple, tz, months) -> str:
    """One row from a dict of tickets.selectors.QUEUE_ROW_VALUES."""
    sensitivity = ""
    if row["category__sensitivity"] != "none":
        kind = row["category__sensitivity"]
        label = SENSITIVITY_LABELS.get(kind, kind)
        sensitivity = f' <span class="badge badge-{escape(kind)}">{escape(str(label))}</span>'
    priority = str(PRIORITY_LABELS.get(row["priority"], row["priority"]))
    assignee = ""
    if row["assignee_id"]:  # as User.get_full_name()
        assignee = f"{row['assignee__first_name']} {row['assignee__last_name']}".strip()
    return _ROW.format(
        url=path_for("tickets:detail", row["pk"], resolving=resolving),
        ref=f"FL-{row['pk']}",  # as Ticket.reference
        subject=escape(row["subject"]),
        requester=escape(row["requester__name"] or "—"),
        category=escape(row["category__name"]),
        sensitivity=sensitivity,
        priority_class=f" badge-{escape(priority.lower())}" if row["priority"] >= 3 else "",
        priority=escape(priority),
        status=escape(row["status"]),
        status_label=escape(str(STATUS_LABELS.get(row["status"], row["status"]))),
        due=_due(row["due_at"], tz, months),
        assignee=escape(assignee or "—"),
    )


@register.simple_tag
def queue_rows(rows: Iterable[dict]):
    """The queue table's rows: ticket link, subject, requester, category (with its
    sensitivity), priority, status, due time in the viewer's time zone, assignee."""
    resolving, tz = resolving_now(), timezone.get_current_timezone()
    months = _months(get_language())
    html = [queue_row_html(row, resolving=resolving, tz=tz, months=months) for row in rows]
    return mark_safe("\n      ".join(html))  # noqa: S308 — every value escaped above


@register.simple_tag
def queue_view_links(views: dict, current: str, counts: dict, cap: int, query: str):
    """The links to the queue's views with how many tickets each holds ("1000+" past `cap`),
    the current one marked; `query` is the rest of the query string, kept on each link."""
    rest = f"&amp;{escape(query)}" if query else ""
    links = []
    for key, label in views.items():
        count = counts.get(key, 0)
        shown = f"{cap}+" if count > cap else str(count)
        here = key == current
        mark = (" btn-primary", ' aria-current="page"') if here else ("", "")
        links.append(
            f'<a class="btn{mark[0]}" href="?view={escape(key)}{rest}"{mark[1]}>\n'
            f'    {escape(str(label))} <span class="badge">{shown}</span></a>'
        )
    return mark_safe("\n  ".join(links))  # noqa: S308 — every value escaped above


@register.simple_tag
def filter_select(name: str, options: Iterable[tuple[str, str]], selected, *, multiple=False,
                  empty: str = ""):  # fmt: skip
    """A <select> of the queue's filter form (id "id_<name>"): `options` are (value, label)
    pairs, `selected` the submitted value or list of values; `empty` labels a first "any"
    option (single selects only)."""
    chosen = (
        {str(v) for v in selected}
        if isinstance(selected, list | tuple)
        else {str(selected) if selected is not None else ""}
    )
    parts = [
        f'<select name="{escape(name)}" id="id_{escape(name)}"{" multiple" if multiple else ""}>'
    ]
    if not multiple:
        parts.append(
            f'<option value=""{" selected" if "" in chosen else ""}>{escape(empty)}</option>'
        )
    for value, label in options:
        value = str(value)
        mark = " selected" if value in chosen else ""
        parts.append(f'<option value="{escape(value)}"{mark}>{escape(str(label))}</option>')
    parts.append("</select>")
    return mark_safe("\n  ".join(parts))  # noqa: S308 — every value escaped above
