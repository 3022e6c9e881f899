"""Writing rows as CSV or XLSX in constant memory, with spreadsheet formula injection blocked.

CSV has no cell types, so a text cell starting like a formula gets an apostrophe
(core.spreadsheets.neutralise). XLSX has them: such text is written as it is, as a string
cell marked "quote prefix" (what Excel itself does when one types a leading apostrophe), so it
is shown without an apostrophe and never evaluated, not even after editing the cell. Numbers
and dates are written as such. An XLSX can carry a "Definitions" sheet: each column's meaning.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal

import xlsxwriter
from django.core.exceptions import ValidationError

from core.spreadsheets import DANGEROUS, csv_lines, neutralise

__all__ = ["DANGEROUS", "FORMATS", "csv_stream", "neutralise", "xlsx_file"]

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
XLSX_MAX_ROWS = 1_048_575  # a sheet's 1,048,576 rows less the header
XLSX_OPTIONS = {
    "constant_memory": True,
    # Text stays text: never turned into a formula, a number or a hyperlink.
    "strings_to_formulas": False,
    "strings_to_numbers": False,
    "strings_to_urls": False,
    "remove_timezone": True,
}


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)


def csv_stream(header: Sequence[str], rows: Iterable[Sequence]) -> Iterator[str]:
    """CSV lines one at a time (with a BOM so spreadsheets read UTF-8), values formatted as
    the exports show them."""
    return csv_lines(header, rows, text=_text)


def xlsx_file(
    header: Sequence[str],
    rows: Iterable[Sequence],
    *,
    title: str = "Export",
    definitions: Sequence[tuple[str, str]] = (),
):
    """A temporary file holding the workbook, written by XlsxWriter in constant-memory mode
    (each row goes to a temporary file as soon as the next one starts, so memory stays flat
    whatever the row count). Text is written as text (never read as a formula, number or
    link), text that starts like a formula with Excel's quote prefix; numbers as numbers; dates and times as spreadsheet dates shown
    as YYYY-MM-DD [HH:MM:SS], already in the viewer's zone (Excel has no zones, so the zone
    is dropped, not converted). Returns (file positioned at 0, row count); the caller closes
    the file. With `definitions` ((column, meaning) pairs) a second sheet, "Definitions",
    lists them. Raises ValidationError past a sheet's 1,048,575 data rows."""
    out = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 - the caller closes it
    book = xlsxwriter.Workbook(out, XLSX_OPTIONS)
    sheet = book.add_worksheet(title[:31])
    stamp = book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    day = book.add_format({"num_format": "yyyy-mm-dd"})
    quoted = book.add_format({"quote_prefix": True})
    number, when = sheet.write_number, sheet.write_datetime

    def text(row: int, col: int, value: str) -> None:
        if value.startswith(DANGEROUS):
            sheet.write_string(row, col, value, quoted)
        else:
            sheet.write_string(row, col, value)

    for col, name in enumerate(header):
        text(0, col, name)
    count = 0
    for count, row in enumerate(rows, start=1):
        if count > XLSX_MAX_ROWS:
            out.close()
            if hasattr(rows, "close"):
                rows.close()  # its server-side cursor, while the connection is still open
            raise ValidationError(
                f"More than {XLSX_MAX_ROWS:,} rows do not fit in a spreadsheet: narrow the "
                "filters or choose CSV."
            )
        for col, value in enumerate(row):
            kind = type(value)
            if kind is str:
                text(count, col, value)
            elif value is None:
                continue
            elif kind is datetime:
                when(count, col, value, stamp)
            elif kind is date:
                when(count, col, value, day)
            elif kind is bool:
                sheet.write_boolean(count, col, value)
            elif isinstance(value, int | float | Decimal):
                number(count, col, value)
            else:
                text(count, col, str(value))
    if definitions:
        _definitions_sheet(book, definitions, quoted)
    book.close()
    out.seek(0)
    return out, count


def _definitions_sheet(book, definitions: Sequence[tuple[str, str]], quoted) -> None:
    sheet = book.add_worksheet("Definitions")
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    bold = book.add_format({"bold": True})
    sheet.set_column(0, 0, 28)
    sheet.set_column(1, 1, 100, wrap)
    sheet.write_string(0, 0, "Column", bold)
    sheet.write_string(0, 1, "Meaning", bold)
    for row, (column, meaning) in enumerate(definitions, start=1):
        for col, value in enumerate((column, meaning)):
            fmt = quoted if value.startswith(DANGEROUS) else None
            sheet.write_string(row, col, value, fmt)
