"""HTML fragments for the template tags that write many values a page, escaped by construction.

Pages are templates. A few tags build their markup in Python instead because they write
thousands of values a page (the queue's rows, the workspace's thread and pickers, every page's
navigation), where a template loop costs tens of microseconds a row in lookups and filters.
They build it here: each helper takes a constant format string and values, escapes every value
as `format_html` does, and returns a SafeString. Nothing here knows an app.

`fragment` and `fragments` keep the contract of Django's `format_html` and `format_html_join`
(every argument through `conditional_escape`, the result marked safe; tests/core/test_html.py
holds them equal on hostile values) at a third of their cost: Django's `escape` goes through
`keep_lazy` and makes a SafeString per value, which on the queue page alone adds about 0.4 ms
(tests/core and the redesign note have the figures). Helpers written once a page
(`csrf_input`, `hidden_input`) use `format_html` itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, tzinfo
from functools import lru_cache
from html import escape as _escape
from typing import Any, NamedTuple

from django.utils import timezone
from django.utils.dates import MONTHS_3
from django.utils.functional import Promise
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import get_language

EMPTY = SafeString("")


def escaped(value: Any) -> str:
    """`conditional_escape(value)`: markup (anything with __html__) as it is, else the escaped
    text, returned as a plain str (no SafeString made per value)."""
    kind = type(value)
    if kind is str:
        return _escape(value)
    if kind is SafeString or kind is int:
        return value if kind is SafeString else str(value)
    if isinstance(value, Promise):
        value = str(value)
    html = getattr(value, "__html__", None)
    if html is not None:
        return html()
    return _escape(str(value))


def fragment(format_string: str, /, *args: Any, **kwargs: Any) -> SafeString:
    """`format_html(format_string, *args, **kwargs)`: every value escaped, markup kept."""
    # Plain text and fragments handled inline: a call per value cost a fifth of a queue row.
    if kwargs:
        return SafeString(
            format_string.format(
                *[_escape(a) if type(a) is str else escaped(a) for a in args],
                **{
                    k: _escape(v) if type(v) is str else v if type(v) is SafeString else escaped(v)
                    for k, v in kwargs.items()
                },
            )
        )
    return SafeString(
        format_string.format(
            *[
                _escape(a) if type(a) is str else a if type(a) is SafeString else escaped(a)
                for a in args
            ]
        )
    )


def fragments(sep: str, format_string: str, rows: Iterable[Any]) -> SafeString:
    """`format_html_join(sep, format_string, rows)`: one fragment a row, a row being a tuple
    of positional values or a mapping of named ones; `sep` is escaped too."""
    parts = [
        fragment(format_string, **row)
        if isinstance(row, Mapping)
        else fragment(format_string, *row)
        for row in rows
    ]
    return SafeString(escaped(sep).join(parts))


def joined(sep: str, parts: Iterable[Any]) -> SafeString:
    """Fragments (or plain values, escaped) joined by `sep`."""
    return SafeString(escaped(sep).join([escaped(p) for p in parts]))


def _chosen(selected: Any) -> frozenset[str]:
    """The option values `selected` picks, as text: one value, a list of them, or None."""
    if selected is None:
        return frozenset()
    if isinstance(selected, list | tuple | set | frozenset):
        return frozenset(str(v) for v in selected)
    return frozenset((str(selected),))


_OPTION = '<option value="{}">{}</option>'
_OPTION_SELECTED = '<option value="{}" selected>{}</option>'


def options(
    choices: Iterable[tuple[Any, Any]], selected: Any = None, *, sep: str = ""
) -> SafeString:
    """<option>s of (value, label) pairs; those whose value reads as `selected` (one value or a
    list of values; compared as text) are selected. The empty value is never selected here:
    `select` owns the "any" option."""
    chosen = _chosen(selected) - {""}
    out = []
    for value, label in choices:
        text = str(value)
        shape = _OPTION_SELECTED if text in chosen else _OPTION
        out.append(shape.format(_escape(text), escaped(label)))
    return SafeString(escaped(sep).join(out))


def select(
    name: str,
    choices: Iterable[tuple[Any, Any]],
    selected: Any = None,
    *,
    multiple: bool = False,
    empty: str | None = None,
    sep: str = "\n  ",
) -> SafeString:
    """A <select name=… id="id_<name>"> of `choices`, as Django's Select widget writes it. `empty` labels a first option of the empty value (single selects only),
    selected when nothing else is (`selected` None or "")."""
    parts = [
        fragment(
            '<select name="{}" id="{}"{}>',
            name,
            f"id_{name}",
            SafeString(" multiple") if multiple else EMPTY,
        )
    ]
    if empty is not None and not multiple:
        none = selected is None or "" in _chosen(selected)
        parts.append(fragment(_OPTION_SELECTED if none else _OPTION, "", empty))
    listed = options(choices, selected, sep=sep)
    if listed:
        parts.append(listed)
    parts.append(SafeString("</select>"))
    return SafeString(sep.join(parts))


def hidden_input(name: str, value: Any) -> SafeString:
    """<input type="hidden" name=… value=…>."""
    return format_html('<input type="hidden" name="{}" value="{}">', name, value)


def csrf_input(token: Any) -> SafeString:
    """What {% csrf_token %} writes for the template context's `csrf_token`: the hidden input,
    or nothing when the request has no token."""
    if not token or token == "NOTPROVIDED":  # noqa: S105 — Django's "no token" marker
        return EMPTY
    return hidden_input("csrfmiddlewaretoken", token)


@lru_cache(maxsize=16)
def _months(language: str | None) -> tuple[str, ...]:
    """Django's "M" date format in `language`: each month's three-letter name, capitalised."""
    return ("",) + tuple(str(MONTHS_3[m]).title() for m in range(1, 13))


class Zone(NamedTuple):
    """The viewer's time zone and month names, read once for a loop of `time_element`s."""

    tz: tzinfo
    months: tuple[str, ...]


def viewer_zone() -> Zone:
    """The active time zone and language (the viewer's, set by middleware)."""
    return Zone(timezone.get_current_timezone(), _months(get_language()))


DATE_TIME = "{month} {day}, {year} {time}"  # |date:"M j, Y H:i"
DAY_TIME = "{month} {day} {time}"  # |date:"M j H:i"
DAY_COMMA_TIME = "{month} {day}, {time}"  # |date:"M j, H:i"


def time_element(
    value: datetime, shown: str = DATE_TIME, *, zone: Zone | None = None
) -> SafeString:
    """<time datetime="…">Dec 2, 2026 14:05</time>: `value` in the viewer's time zone, its ISO
    8601 form in the attribute and `shown` as text, a str.format pattern of month (three
    letters in the viewer's language), day, year and time ("HH:MM") such as DATE_TIME."""
    zone = zone or viewer_zone()
    local = value.astimezone(zone.tz)
    text = shown.format(
        month=zone.months[local.month],
        day=local.day,
        year=f"{local.year:04d}",
        time=f"{local.hour:02d}:{local.minute:02d}",
    )
    # isoformat() writes digits and "-:.+T" only: nothing to escape.
    return SafeString(_TIME.format(local.isoformat(), _escape(text)))


_TIME = '<time datetime="{}">{}</time>'


def badge(label: Any, kind: str = "") -> SafeString:
    """<span class="badge badge-<kind>">label</span> (plain "badge" without a kind)."""
    if not kind:
        return fragment('<span class="badge">{}</span>', label)
    return fragment('<span class="badge badge-{}">{}</span>', kind, label)
