"""The queue page's hot paths (tickets/queue.html): its 50 rows and the filter form's selects.

Both are built with core.html instead of template loops and Django's widget templates (some
forty lookups, filters and two URL reversals a row; a template rendered per <option>), which
were most of the page's rendering time. Every value is escaped by construction."""

from __future__ import annotations

from collections.abc import Iterable

from django import template
from django.utils.safestring import SafeString

from core import html
from core.html import DAY_COMMA_TIME, EMPTY, Zone, badge, fragment, joined, time_element
from core.urls import path_for, resolving_now
from teams.models import Sensitivity

from ..models import Ticket

register = template.Library()

PRIORITY_LABELS = dict(Ticket.Priority.choices)
STATUS_LABELS = dict(Ticket.Status.choices)
SENSITIVITY_LABELS = dict(Sensitivity.choices)
NO_VALUE = "—"
_ROW = (
    '<tr data-href="{url}">\n        <td class="select-cell">{select}</td>\n'
    '        <td><a href="{url}">{ref}</a></td>\n        <td>{subject}</td>\n'
    "        <td>{requester}</td>\n        <td>{category}{sensitivity}</td>\n"
    '        <td><span class="badge{priority_class}">{priority}</span></td>\n'
    '        <td><span class="badge badge-{status}">{status_label}</span></td>\n'
    "        <td>{due}</td>\n        <td>{assignee}</td>\n      </tr>"
)
_SELECT = '<input type="checkbox" name="ticket" value="{}" form="bulk-form" aria-label="Select {}">'
_VIEW_LINK = '<a class="btn{}" href="?view={}{}"{}>\n    {} <span class="badge">{}</span></a>'
_CURRENT = (SafeString(" btn-primary"), SafeString(' aria-current="page"'))


def queue_row_html(
    row: dict, *, resolving: tuple, zone: Zone, selectable: bool = False
) -> SafeString:
    """One row from a dict of tickets.selectors.QUEUE_ROW_VALUES; `selectable` adds the
    bulk bar's checkbox."""
    sensitivity = EMPTY
    if row["category__sensitivity"] != "none":
        kind = row["category__sensitivity"]
        sensitivity = fragment(" {}", badge(str(SENSITIVITY_LABELS.get(kind, kind)), kind))
    priority = str(PRIORITY_LABELS.get(row["priority"], row["priority"]))
    assignee = ""
    if row["assignee_id"]:  # as User.get_full_name()
        assignee = f"{row['assignee__first_name']} {row['assignee__last_name']}".strip()
    due = row["due_at"]
    return fragment(
        _ROW,
        url=path_for("tickets:detail", row["pk"], resolving=resolving),
        select=fragment(_SELECT, row["pk"], f"FL-{row['pk']}") if selectable else EMPTY,
        ref=f"FL-{row['pk']}",  # as Ticket.reference
        subject=row["subject"],
        requester=row["requester__name"] or NO_VALUE,
        category=row["category__name"],
        sensitivity=sensitivity,
        priority_class=f" badge-{priority.lower()}" if row["priority"] >= 3 else "",
        priority=priority,
        status=row["status"],
        status_label=str(STATUS_LABELS.get(row["status"], row["status"])),
        due=NO_VALUE if due is None else time_element(due, DAY_COMMA_TIME, zone=zone),
        assignee=assignee or NO_VALUE,
    )


@register.simple_tag
def queue_rows(rows: Iterable[dict], selectable: bool = False):
    """The queue table's rows: a checkbox for bulk actions (when `selectable`), ticket link,
    subject, requester, category (with its sensitivity), priority, status, due time in the
    viewer's time zone, assignee."""
    resolving, zone = resolving_now(), html.viewer_zone()
    rows_html = [
        queue_row_html(row, resolving=resolving, zone=zone, selectable=selectable) for row in rows
    ]
    return joined("\n      ", rows_html)


@register.simple_tag
def queue_view_links(views: dict, current: str, counts: dict, cap: int, query: str):
    """The links to the queue's views with how many tickets each holds ("1000+" past `cap`),
    the current one marked; `query` is the rest of the query string, kept on each link."""
    rest = fragment("&amp;{}", query) if query else EMPTY
    links = []
    for key, label in views.items():
        count = counts.get(key, 0)
        button, aria = _CURRENT if key == current else (EMPTY, EMPTY)
        shown = f"{cap}+" if count > cap else str(count)
        links.append(fragment(_VIEW_LINK, button, key, rest, aria, label, shown))
    return joined("\n  ", links)


@register.simple_tag
def filter_select(name: str, options: Iterable[tuple[str, str]], selected, *, multiple=False,
                  empty: str = ""):  # fmt: skip
    """A <select> of the queue's filter form (id "id_<name>"): `options` are (value, label)
    pairs, `selected` the submitted value or list of values; `empty` labels a first "any"
    option (single selects only)."""
    return html.select(name, options, selected, multiple=multiple, empty=empty)
