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
from collections.abc import Iterable, Sequence
from datetime import date, datetime

from django.db import connection, models
from django.db.models.fields import NOT_PROVIDED

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


def _columns(model: type[models.Model], now: datetime):
    """(attname, column, default) of every concrete field but an auto primary key."""
    out = []
    for f in model._meta.concrete_fields:
        if f.primary_key and isinstance(f, models.AutoField):
            continue
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            default = now
        elif f.default is NOT_PROVIDED:
            default = None if f.null else ("" if f.empty_strings_allowed else None)
        else:
            default = f.default
        out.append((f.attname, f.column, default))
    return out


def reserve_ids(model: type[models.Model], count: int) -> list[int]:
    """`count` primary keys from the table's sequence (PostgreSQL)."""
    table = model._meta.db_table
    pk = model._meta.pk.column
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
    columns = _columns(model, now)
    if connection.vendor != "postgresql":
        objs = model.objects.bulk_create(
            [
                model(
                    **{a: r.get(a, d() if callable(d) else d) for a, _c, d in columns},
                    **({"pk": r["pk"]} if "pk" in r else {}),
                )
                for r in rows
            ],  # fmt: skip
            batch_size=BATCH,
        )
        return [o.pk for o in objs] if with_ids else []
    ids = reserve_ids(model, len(rows)) if with_ids else []
    names = ([model._meta.pk.column] if with_ids else []) + [c for _a, c, _d in columns]
    fixed = {a: _copy_text(d() if callable(d) else d) for a, _c, d in columns}
    sql = f"COPY {model._meta.db_table} ({', '.join(names)}) FROM STDIN"
    with connection.cursor() as cur:
        for start in range(0, len(rows), BATCH):
            buf = io.StringIO()
            for i in range(start, min(len(rows), start + BATCH)):
                r = rows[i]
                cells = [str(ids[i])] if with_ids else []
                cells += [_copy_text(r[a]) if a in r else fixed[a] for a, _c, _d in columns]
                buf.write("\t".join(cells))
                buf.write("\n")
            buf.seek(0)
            cur.cursor.copy_expert(sql, buf)
    return ids


def copy_line(values: Iterable) -> str:
    """One line of PostgreSQL COPY text (no newline) holding these values in order."""
    return "\t".join(map(_copy_text, values))


def insert_objects(
    model: type[models.Model], objs: Iterable[models.Model], *, batch_size: int = BATCH
) -> int:
    """Insert unsaved instances of `model` with every concrete field as it is set (no save()
    hooks run; the primary key comes from the table's sequence and is not set on the
    instances): COPY on PostgreSQL, bulk_create elsewhere. Returns how many were inserted."""
    if connection.vendor != "postgresql":
        return len(model.objects.bulk_create(objs, batch_size=batch_size))
    fields = [
        f.attname
        for f in model._meta.concrete_fields
        if not (f.primary_key and isinstance(f, models.AutoField))
    ]
    columns = [model._meta.get_field(a).column for a in fields]
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
