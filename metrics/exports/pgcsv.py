"""CSV lines built by PostgreSQL, streamed in large batches: the export path at scale.

Writing a million tickets through Python's csv writer (a value conversion per cell, a string
per row) took 191 s in `make bench`. Here the database formats every cell — times in the
viewer's zone, numbers with two decimals, spreadsheet formulas neutralised exactly as
writers.neutralise does, CSV quoting — and returns one text column per row; Python only
joins each batch of a server-side cursor and yields it. The rows come from the same scoped
queryset as the Python path, so the access scope is applied by the same `visible_to`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence

from django.db import connections, transaction
from django.db.models import CharField, F, Func, QuerySet, Value

from .writers import neutralise

BATCH = 5000
WORK_MEM = "128MB"
TEXT = CharField()
# writers.DANGEROUS as SQL literals (E'' strings for the tab and the carriage return).
RISKY = "('=', '+', '-', '@', E'\\t', E'\\r')"
QUOTE = "'\"'"
TWO_QUOTES = "'\"\"'"


class _Cell(Func):
    """One text CSV field: NULL -> empty; writers.neutralise (an apostrophe before a leading
    = + - @ TAB or CR); always quoted with inner quotes doubled (a CSV reader reads it as the
    Python path's minimal quoting). The value's SQL appears three times, so do its params."""

    output_field = TEXT

    def as_sql(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        v = f"COALESCE(({sql})::text, '')"
        cell = f"CASE WHEN left({v}, 1) IN {RISKY} THEN '''' || {v} ELSE {v} END"
        return f"({QUOTE} || replace({cell}, {QUOTE}, {TWO_QUOTES}) || {QUOTE})", (
            *params,
            *params,
            *params,
        )


def text(field: str) -> Func:
    return _Cell(F(field))


def local_time(field: str, zone: str) -> Func:
    """The timestamp in `zone` as writers._text prints datetimes (YYYY-MM-DD HH:MM:SS)."""
    return Func(
        Value(zone),
        F(field),
        # date_trunc + ::text (ISO output) is several times cheaper than to_char per row.
        template="date_trunc('second', timezone(%(expressions)s))::text",
        output_field=TEXT,
    )


def number(field: str) -> Func:
    """A float with two decimals, as writers._text prints floats."""
    return Func(F(field), template="round((%(expressions)s)::numeric, 2)::text", output_field=TEXT)


def line(fields: Sequence) -> Func:
    """One CSV line (without the line break) from field expressions, comma separated;
    PostgreSQL's concat() reads NULL as empty."""
    parts: list = []
    for i, expr in enumerate(fields):
        if i:
            parts.append(Value(","))
        parts.append(expr)
    return Func(*parts, function="concat", output_field=TEXT)


class CsvLines:
    """Iterates a BOM + header line, then the `lines` queryset (one text column per row,
    made with `line`) in batches of BATCH rows; `rows` counts the data rows sent."""

    def __init__(self, header: Sequence[str], lines: QuerySet):
        self.header, self.lines, self.rows = header, lines, 0

    def __iter__(self) -> Iterator[str]:
        out = io.StringIO()
        csv.writer(out).writerow([neutralise(h) for h in self.header])
        yield "\ufeff" + out.getvalue()
        batch: list[str] = []
        # In a transaction: the server-side cursor streams (outside one Django declares it
        # WITH HOLD, which makes PostgreSQL compute every row first) and the sort by
        # creation time gets enough memory to stay off disk for this query only.
        with transaction.atomic(using=self.lines.db):
            with connections[self.lines.db].cursor() as cursor:
                cursor.execute(f"SET LOCAL work_mem = '{WORK_MEM}'")
            for value in self.lines.iterator(chunk_size=BATCH):
                batch.append(value)
                if len(batch) == BATCH:
                    self.rows += len(batch)
                    yield "\r\n".join(batch) + "\r\n"
                    batch = []
        if batch:
            self.rows += len(batch)
            yield "\r\n".join(batch) + "\r\n"
