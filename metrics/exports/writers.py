"""Writing rows as CSV or XLSX in constant memory, with spreadsheet formula injection blocked.

A text cell starting with = + - @ (or tab / carriage return, which some spreadsheets skip
before reading a formula) is prefixed with an apostrophe, so it is shown as text and never
evaluated (OWASP "CSV injection"). Numbers and dates are written as such.
"""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime

from openpyxl import Workbook

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """The cell value made safe for spreadsheets."""
    if isinstance(value, str) and value.startswith(DANGEROUS):
        return "'" + value
    return value


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


class _Echo:
    def write(self, value):
        return value


def csv_stream(header: Sequence[str], rows: Iterable[Sequence]) -> Iterator[str]:
    """CSV lines one at a time (with a BOM so spreadsheets read UTF-8)."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow([neutralise(h) for h in header])
    for row in rows:
        yield writer.writerow([neutralise(_text(v)) for v in row])


def _cell(value):
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)  # already in the viewer's zone; Excel has no zones
    return neutralise(value)


def xlsx_file(header: Sequence[str], rows: Iterable[Sequence], *, title: str = "Export"):
    """A temporary file holding the workbook (openpyxl write-only: rows are not kept in
    memory). Returns (file positioned at 0, row count). The caller closes the file."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=title[:31])
    ws.append([neutralise(h) for h in header])
    count = 0
    for row in rows:
        ws.append([_cell(v) for v in row])
        count += 1
    out = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 - the caller closes it
    wb.save(out)
    out.seek(0)
    return out, count
