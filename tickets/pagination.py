"""Keyset pagination for the queue: the page after a row is found by comparing sort keys,
so every page costs the same however deep the list goes (no OFFSET)."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import connection
from django.db.models import DateTimeField, F, Q, QuerySet, Value
from django.db.models.functions import Coalesce
from django.db.models.query import ValuesIterable

from core.memo import Memo

# A due time beyond any real one stands in for "no SLA clock" so NULLs sort last.
NO_DUE = datetime.fromisoformat("9999-01-01T00:00:00+00:00")

# sort name → [(key, descending)], the last key unique so the order is total.
SORTS: dict[str, list[tuple[str, bool]]] = {
    "urgent": [("due_key", False), ("priority", True), ("created_at", False), ("pk", False)],
    "newest": [("created_at", True), ("pk", True)],
    "oldest": [("created_at", False), ("pk", False)],
    "updated": [("updated_at", True), ("pk", True)],
}
SORT_LABELS = {
    "urgent": "Most urgent (due time, priority, age)",
    "newest": "Newest first",
    "oldest": "Oldest first",
    "updated": "Recently updated",
}
DATE_KEYS = {"due_key", "created_at", "updated_at"}


class BadCursor(ValueError):
    """The cursor in the URL is not one this server produced."""


@dataclass
class Page:
    rows: list
    next_cursor: str | None
    sort: str


def order(qs: QuerySet, sort: str) -> QuerySet:
    qs = qs.annotate(due_key=Coalesce(F("due_at"), Value(NO_DUE, output_field=DateTimeField())))
    return qs.order_by(*_ordering(sort))


def _ordering(sort: str) -> list[str]:
    return [f"-{k}" if desc else k for k, desc in SORTS[sort]]


def _encode(row, sort: str) -> str:
    values = []
    for key, _ in SORTS[sort]:
        value = row[key] if isinstance(row, dict) else getattr(row, key)  # values() or models
        values.append(value.isoformat() if isinstance(value, datetime) else value)
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


def _decode(cursor: str, sort: str) -> list:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
        keys = SORTS[sort]
        if not isinstance(values, list) or len(values) != len(keys):
            raise BadCursor("This page link is out of date; start from the first page.")
        return [
            datetime.fromisoformat(v) if k in DATE_KEYS else int(v)
            for (k, _), v in zip(keys, values, strict=True)
        ]
    except (ValueError, TypeError, json.JSONDecodeError) as exc:
        raise BadCursor("This page link is out of date; start from the first page.") from exc


def after(qs: QuerySet, cursor: str, sort: str) -> QuerySet:
    """Rows strictly after the cursor row in the sort order (lexicographic comparison)."""
    values = _decode(cursor, sort)
    keys = SORTS[sort]
    condition = Q()
    for i, (key, desc) in enumerate(keys):
        step = Q(**{f"{key}__{'lt' if desc else 'gt'}": values[i]})
        for j in range(i):
            step &= Q(**{keys[j][0]: values[j]})
        condition |= step
    return qs.filter(condition)


def paginate(
    qs: QuerySet | Sequence[QuerySet] | Callable[[], Sequence[QuerySet]],
    *,
    sort: str,
    cursor: str | None,
    size: int = 50,
    reuse: Hashable | None = None,
) -> Page:
    """One page of `qs` in `sort` order after `cursor`; raises BadCursor on a forged cursor.

    `qs` may be disjoint parts of one list (TicketQuerySet.visible_parts): each part gives its
    first size + 1 rows after the cursor and the database merges them (UNION ALL) in the same
    order, so no part reads further than one page from its index.

    `reuse`, for a first page whose statement depends on nothing but that key (a queue view
    without filters, for one access scope), keeps the compiled statement in process memory:
    building and compiling the merged parts costs several times the Python of running them.
    Then `qs` may be a function that builds the parts, called only when the statement is not
    kept yet. PostgreSQL only (its driver returns the values as Django would)."""
    if sort not in SORTS:
        sort = "urgent"
    if reuse is not None and not cursor and connection.vendor == "postgresql":

        def compile_first_page() -> tuple[str, tuple, list[str]]:
            query = _merged(qs() if callable(qs) else qs, sort, None, size)[: size + 1]
            if query._iterable_class is not ValuesIterable:
                raise TypeError("reuse needs parts read as values()")
            sql, params = query.query.get_compiler(using=query.db).as_sql()
            return sql, params, [*query.query.values_select, *query.query.annotation_select]

        sql, params, names = _STATEMENTS.get((reuse, sort, size), compile_first_page)
        with connection.cursor() as cur:
            cur.execute(sql, params)
            rows = [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
    else:
        rows = list(_merged(qs() if callable(qs) else qs, sort, cursor, size)[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return Page(rows, _encode(rows[-1], sort) if more and rows else None, sort)


# First-page statements kept by paginate(reuse=...): (key, sort, size) -> (sql, params, names).
# The key says everything a statement depends on, so no write makes one wrong: no version.
STATEMENTS_KEPT = 4096
_STATEMENTS: Memo[tuple[str, tuple, list[str]]] = Memo(None, size=STATEMENTS_KEPT)


def _merged(qs, sort: str, cursor: str | None, size: int) -> QuerySet:
    parts = [qs] if isinstance(qs, QuerySet) else list(qs)
    parts = [order(part, sort) for part in parts]
    if cursor:
        parts = [after(part, cursor, sort) for part in parts]
    query = parts[0]
    if len(parts) > 1:
        heads = [part[: size + 1] for part in parts]
        query = heads[0].union(*heads[1:], all=True).order_by(*_ordering(sort))
    return query
