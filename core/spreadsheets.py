"""Cells made safe for spreadsheets, and CSV written a line at a time — shared by every app
that offers a download (metrics' exports, teams' audit trail).

A text cell starting with = + - @ (or tab / carriage return, which some spreadsheets skip
before reading a formula) is prefixed with an apostrophe, so it is shown as text and never
evaluated (OWASP "CSV injection").
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator, Sequence

DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """The cell value made safe for spreadsheets."""
    if isinstance(value, str) and value.startswith(DANGEROUS):
        return "'" + value
    return value


class _Echo:
    def write(self, value):
        return value


def csv_lines(
    header: Sequence[str], rows: Iterable[Sequence], *, text: Callable[[object], str] = str
) -> Iterator[str]:
    """CSV lines one at a time (with a BOM so spreadsheets read UTF-8); each value goes
    through `text`, then neutralise."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow([neutralise(h) for h in header])
    for row in rows:
        yield writer.writerow([neutralise(text(v)) for v in row])
