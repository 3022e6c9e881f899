"""Inserting many rows fast: PostgreSQL COPY from plain dicts, bulk_create elsewhere.

Django's bulk_create prepares every value of every field through the field classes; for the
importer's 100,000 tickets (and their messages, events, tags) that was most of the 261 s in
`make bench`. `insert_rows` takes rows as {attname: value} dicts, fills each model field's
default (auto_now / auto_now_add with `now`), reserves primary keys from the table's
sequence, and streams the rows as COPY text. Elsewhere (the embedded SQLite) it builds model
instances and calls bulk_create, so both paths store the same values. `insert_objects` does
the same for unsaved model instances (the rollups write hundreds of thousands of rows a run).
"""

from __future__ import annotations

import io
import json
import queue
import threading
from collections.abc import Iterable, Sequence
from datetime import date, datetime

from django.db import connection, models
from django.db.models.fields import NOT_PROVIDED, Field

BATCH = 5000


def _copy_text(value) -> str:
    kind = type(value)
    if kind is int or kind is float:  # the most common cells first (rollups are all counts)
        return str(value)
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict | list):
        value = json.dumps(value)
    elif not isinstance(value, str):
        return str(value)
    return (
        value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    )


def _column(field: Field) -> str:
    """The column of a concrete field. django-stubs types `Field.column` Optional (a field has
    none until it is bound to a model, and a field with no column is not concrete)."""
    if field.column is None:
        raise TypeError(f"{field!r} has no column")
    return field.column


def _columns(model: type[models.Model], now: datetime) -> list[tuple[str, str, object]]:
    """(attname, column, default) of every concrete field but an auto primary key."""
    out = []
    for f in model._meta.concrete_fields:
        if f.primary_key and isinstance(f, models.AutoField):
            continue
        default: object
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            default = now
        elif f.default is NOT_PROVIDED:
            default = None if f.null else ("" if f.empty_strings_allowed else None)
        else:
            default = f.default
        out.append((f.attname, _column(f), default))
    return out


def reserve_ids(model: type[models.Model], count: int) -> list[int]:
    """`count` primary keys from the table's sequence (PostgreSQL)."""
    table = model._meta.db_table
    pk = _column(model._meta.pk)
    with connection.cursor() as cur:
        cur.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [table, pk, count],
        )
        return [r[0] for r in cur.fetchall()]


def insert_rows(
    model: type[models.Model], rows: Sequence[dict], *, now: datetime, with_ids: bool = True
) -> list[int]:
    """Insert `rows` ({attname: value}; missing fields take the model's default) and return
    their primary keys in order (an empty list when `with_ids` is False)."""
    if not rows:
        return []
    if connection.vendor != "postgresql":
        ids = _bulk_create(model, rows, now=now)
        return ids if with_ids else []
    reserved = reserve_ids(model, len(rows)) if with_ids else None
    sql, text = copy_of_rows(model, rows, now=now, ids=reserved)
    with connection.cursor() as cur:
        cur.cursor.copy_expert(sql, io.StringIO(text))
    return reserved or []


def _bulk_create(model: type[models.Model], rows: Sequence[dict], *, now: datetime) -> list[int]:
    columns = _columns(model, now)
    objs = model._default_manager.bulk_create(
        [
            model(
                **{a: r.get(a, d() if callable(d) else d) for a, _c, d in columns},
                **({"pk": r["pk"]} if "pk" in r else {}),
            )
            for r in rows
        ],  # fmt: skip
        batch_size=BATCH,
    )
    return [o.pk for o in objs]


def copy_of_rows(
    model: type[models.Model], rows: Sequence[dict], *, now: datetime, ids: Sequence[int] | None
) -> tuple[str, str]:
    """The COPY statement and its text for `rows` (as insert_rows takes them), with these
    primary keys or (None) the table's sequence default."""
    columns = _columns(model, now)
    names = ([_column(model._meta.pk)] if ids is not None else []) + [c for _a, c, _d in columns]
    fixed = {a: _copy_text(d() if callable(d) else d) for a, _c, d in columns}
    lines = []
    for i, r in enumerate(rows):
        cells = [str(ids[i])] if ids is not None else []
        cells += [_copy_text(r[a]) if a in r else fixed[a] for a, _c, _d in columns]
        lines.append("\t".join(cells))
    lines.append("")
    sql = f"COPY {model._meta.db_table} ({', '.join(names)}) FROM STDIN"
    return sql, "\n".join(lines)


class BulkWriter:
    """insert_rows for a long import: on PostgreSQL each batch's COPY runs in a background
    thread on the current connection (so inside the caller's transaction) while the caller
    builds the next batch, at most two batches ahead. Ids for rows that others refer to are
    reserved first (`reserve`, before any insert). Until the `with` block ends, the caller must
    not use the database connection. Elsewhere every insert runs at once (bulk_create)."""

    def __init__(self, *, now: datetime):
        self.now = now
        self.background = connection.vendor == "postgresql"
        self.queue: queue.Queue = queue.Queue(maxsize=2)
        self.thread: threading.Thread | None = None
        self.error: BaseException | None = None

    def __enter__(self) -> BulkWriter:
        return self

    def reserve(self, model: type[models.Model], count: int) -> list[int] | None:
        """`count` primary keys of `model` on PostgreSQL (None elsewhere: insert assigns)."""
        if self.thread is not None:
            raise RuntimeError("reserve ids before the first insert")
        return reserve_ids(model, count) if self.background and count else None

    def insert(
        self, model: type[models.Model], rows: Sequence[dict], *, ids: Sequence[int] | None = None
    ) -> list[int]:
        """Queue `rows` with these reserved ids (or the sequence's); returns their ids where
        known: the reserved ones, or elsewhere the ones bulk_create assigned."""
        if not rows:
            return []
        if not self.background:
            return _bulk_create(model, rows, now=self.now)
        if self.thread is None:
            connection.ensure_connection()
            self.thread = threading.Thread(target=self._run, args=(connection.connection,))
            self.thread.start()
        self._check()
        item = copy_of_rows(model, rows, now=self.now, ids=ids)
        while True:
            try:
                self.queue.put(item, timeout=1)
                return list(ids or [])
            except queue.Full:
                self._check()

    def _run(self, raw) -> None:
        try:
            with raw.cursor() as cur:
                while (item := self.queue.get()) is not None:
                    cur.copy_expert(item[0], io.StringIO(item[1]))
        except BaseException as exc:  # surfaced in the caller's thread
            self.error = exc
            while self.queue.get() is not None:  # let the caller finish putting
                pass

    def _check(self) -> None:
        if self.error is not None:
            with connection.wrap_database_errors:  # as Django's own cursors raise them
                raise self.error

    def __exit__(self, *exc_info) -> None:
        if self.thread is not None:
            self.queue.put(None)
            self.thread.join()
            self.thread = None
        if exc_info[0] is None:
            self._check()


def copy_line(values: Iterable) -> str:
    """One line of PostgreSQL COPY text (no newline) holding these values in order."""
    return "\t".join(map(_copy_text, values))


def insert_objects(
    model: type[models.Model], objs: Iterable[object], *, batch_size: int = BATCH
) -> int:
    """Insert unsaved instances of `model` (or any objects holding its fields' attnames as
    attributes) with every concrete field as it is set (no save() hooks run; the primary key
    comes from the table's sequence and is not set on the objects): COPY on PostgreSQL,
    bulk_create elsewhere. Returns how many were inserted."""
    concrete = [
        f
        for f in model._meta.concrete_fields
        if not (f.primary_key and isinstance(f, models.AutoField))
    ]
    fields = [f.attname for f in concrete]
    if connection.vendor != "postgresql":
        instances = [
            o if isinstance(o, model) else model(**{a: getattr(o, a) for a in fields}) for o in objs
        ]
        return len(model._default_manager.bulk_create(instances, batch_size=batch_size))
    columns = [_column(f) for f in concrete]
    sql = f"COPY {model._meta.db_table} ({', '.join(columns)}) FROM STDIN"
    count = 0
    buf = io.StringIO()
    with connection.cursor() as cur:
        for obj in objs:
            buf.write(copy_line([getattr(obj, a) for a in fields]))
            buf.write("\n")
            count += 1
            if count % batch_size == 0:
                buf.seek(0)
                cur.cursor.copy_expert(sql, buf)
                buf = io.StringIO()
        if buf.tell():
            buf.seek(0)
            cur.cursor.copy_expert(sql, buf)
    return count
