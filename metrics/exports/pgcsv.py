"""CSV at scale on PostgreSQL: `COPY (the export query) TO STDOUT WITH (FORMAT csv)`, streamed.

The database formats every cell (times in the viewer's zone, numbers with one decimal,
spreadsheet formulas neutralised exactly as writers.neutralise does) and COPY writes the CSV
quoting in C, so Python never sees a row: psycopg2's copy_expert hands each line to a sink
that gathers them into blocks of about BLOCK bytes for the HTTP response. copy_expert blocks
until the COPY ends, so it runs in a helper thread feeding a bounded queue (QUEUE blocks at
most in memory); the response streams from the first block. The query is the same scoped
queryset as the Python path (`visible_to`), compiled by Django and bound by psycopg2.
"""

from __future__ import annotations

import csv
import io
import queue
import threading
from collections.abc import Iterator, Sequence

from django.db import connections, transaction
from django.db.models import CharField, F, Func, QuerySet, Value

from .writers import neutralise

BLOCK = 256 * 1024
QUEUE = 8
WORK_MEM = "128MB"
TEXT = CharField()
# writers.DANGEROUS as SQL literals (E'' strings for the tab and the carriage return).
RISKY = "('=', '+', '-', '@', E'\\t', E'\\r')"


class _Neutralised(Func):
    """A text cell as writers.neutralise leaves it: an apostrophe before a leading
    = + - @ TAB or CR. NULL stays NULL (COPY writes an empty field)."""

    output_field = TEXT

    def as_sql(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        v = f"({sql})::text"
        return f"(CASE WHEN left({v}, 1) IN {RISKY} THEN '''' || {v} ELSE {v} END)", (
            *params,
            *params,
            *params,
        )


def text(field: str) -> Func:
    return _Neutralised(F(field))


def text_of(expression) -> Func:
    """A text cell of any expression, neutralised like `text`."""
    return _Neutralised(expression)


def prefixed(prefix: str, field: str) -> Func:
    """`prefix` and the value, e.g. FL-123 for a ticket's reference."""
    return Func(Value(prefix), F(field), function="concat", output_field=TEXT)


def number(field: str) -> Func:
    """A float with one decimal, as the datasets round them (exports.columns.rounded)."""
    return Func(F(field), template="round((%(expressions)s)::numeric, 1)", output_field=TEXT)


class _Stopped(Exception):
    """The consumer went away: the sink refuses more rows, which ends the COPY."""


_END = object()


class _Sink:
    """The file psycopg2's copy_expert writes to (one call per row): rows are gathered into
    blocks of about BLOCK bytes and handed to the consumer through a bounded queue."""

    def __init__(self):
        self.queue: queue.Queue = queue.Queue(maxsize=QUEUE)
        self.stopped = threading.Event()
        self.parts: list[bytes] = []
        self.size = self.rows = 0

    def write(self, data: bytes) -> None:
        self.parts.append(data)
        self.size += len(data)
        self.rows += 1
        if self.size >= BLOCK:
            self.flush()

    def flush(self) -> None:
        if self.parts:
            self.put((b"".join(self.parts), self.rows))
            self.parts, self.size, self.rows = [], 0, 0

    def put(self, item) -> None:
        while not self.stopped.is_set():
            try:
                self.queue.put(item, timeout=0.2)
            except queue.Full:
                continue
            return
        raise _Stopped


class CopyCsv:
    """Iterates bytes: a BOM and the header line, then the rows of `queryset` (a values_list
    of cell expressions) as CSV blocks from COPY; `rows` counts the data rows handed on."""

    def __init__(self, header: Sequence[str], queryset: QuerySet):
        self.header, self.queryset, self.rows = header, queryset, 0

    def _header(self) -> bytes:
        # Lines end in LF as COPY ends them (the Python writer's end in CRLF); CSV readers
        # and spreadsheets take either, and one file keeps one kind.
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerow([neutralise(h) for h in self.header])
        return ("\ufeff" + out.getvalue()).encode("utf-8")

    def __iter__(self) -> Iterator[bytes]:
        yield self._header()
        alias = self.queryset.db
        db = connections[alias]
        sql, params = self.queryset.query.sql_with_params()
        # In a transaction so the settings are local to this export: an ISO DateStyle for the
        # times COPY prints, and memory for the sort by creation time to stay off disk.
        with transaction.atomic(using=alias):
            with db.cursor() as cursor:
                cursor.execute(f"SET LOCAL work_mem = '{WORK_MEM}'")
                cursor.execute("SET LOCAL DateStyle = 'ISO, YMD'")
                statement = cursor.mogrify(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)", params)
            yield from self._copy(db, statement)

    def _copy(self, db, statement: bytes) -> Iterator[bytes]:
        raw, sink, failure = db.connection, _Sink(), []

        def run():
            try:
                with raw.cursor() as cursor:
                    cursor.copy_expert(statement, sink)
                sink.flush()
                sink.put(_END)
            except _Stopped:
                # copy_expert leaves the COPY running when the sink refuses rows: cancel it
                # so the rollback that follows need not read the rest of the result.
                raw.cancel()
            except Exception as exc:  # noqa: BLE001 - handed to the consumer below
                failure.append(exc)
                sink.stopped.set()

        # The connection is used by this thread only until it is joined below: the consumer
        # touches no database while it waits on the queue.
        worker = threading.Thread(target=run, name="export-copy", daemon=True)
        worker.start()
        try:
            while not failure:
                try:
                    item = sink.queue.get(timeout=0.2)
                except queue.Empty:
                    continue
                if item is _END:
                    break
                block, rows = item
                self.rows += rows
                yield block
        finally:
            sink.stopped.set()
            if worker.is_alive():
                raw.cancel()  # a client that went away: stop the query, not just the reading
            worker.join()
        if failure:
            with db.wrap_database_errors:
                raise failure[0]
