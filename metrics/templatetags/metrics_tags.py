"""Formatting figures: durations in minutes, rates as percentages, links to definitions; the
dashboards' filter form."""

from django import template
from django.forms import BoundField
from django.utils.html import format_html
from django.utils.safestring import SafeString

from core.html import fragment, select
from core.urls import path_for

from ..filters import dashboard_filter_options

register = template.Library()


@register.filter
def minutes(value) -> str:
    """42.5 → "43 min", 130 → "2 h 10 min", 3000 → "2 d 2 h"; None → "—"."""
    if value is None or value == "":
        return "—"
    total = round(float(value))
    if total < 60:
        return f"{total} min"
    hours, mins = divmod(total, 60)
    if hours < 24:
        return f"{hours} h {mins:02d} min"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h"


@register.filter
def pct(value) -> str:
    if value is None or value == "":
        return "—"
    return f"{float(value) * 100:.1f}%"


@register.filter
def score(value) -> str:
    if value is None or value == "":
        return "—"
    return f"{float(value):.1f}"


@register.filter
def csat(summary) -> str:
    """CSAT % with n and the 95% Wilson interval, e.g. "82.4% (n=17, 95% CI 59–94%)"."""
    n = summary.get("csat_rated") if summary else 0
    if not n:
        return "—"
    lo, hi = summary["csat_interval"]
    return f"{summary['csat_pct'] * 100:.1f}% (n={n}, 95% CI {lo * 100:.0f}–{hi * 100:.0f}%)"


@register.simple_tag
def define(slug: str):
    """A small link from a figure to its definition."""
    url = path_for("metrics:definitions") + f"#{slug}"
    return format_html(
        '<a class="definition-link" href="{}" title="How this is computed">'
        '<span aria-hidden="true">ⓘ</span><span class="sr-only">Definition</span></a>',
        url,
    )


@register.simple_tag(takes_context=True)
def dashboard_filter_controls(context, filters) -> list[tuple[BoundField, SafeString]]:
    """(field, control) for each of the dashboards' filter fields (metrics/_filters.html lays
    them out): the selects written as the queue's (core.html.select) with their choices from
    the cache (metrics.filters.dashboard_filter_options) instead of three queries and a
    template per <option>; the others as date inputs."""
    options = dashboard_filter_options(context["request"])
    controls = []
    for field in filters.form:
        name, value = field.name, field.value()
        value = "" if value is None else str(value)
        if name in options:
            empty = getattr(field.field, "empty_label", "") or ""
            control = select(name, options[name], value, empty=empty)
        else:
            control = fragment(
                '<input type="date" name="{}" value="{}" id="{}">', name, value, field.auto_id
            )
        controls.append((field, control))
    return controls
