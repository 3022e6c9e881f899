"""Erasure reaches the files metrics keeps: scheduled report runs (CSV or XLSX) are rewritten
with the erased requester's identifiers replaced (row counts and figures unchanged)."""

from __future__ import annotations

import io
from collections.abc import Callable

from django.core.files.base import ContentFile
from openpyxl import load_workbook

from ..models import ReportRun


def _rewrite_xlsx(data: bytes, scrub: Callable[[str], str]) -> bytes | None:
    book = load_workbook(io.BytesIO(data))
    changed = False
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    new = scrub(cell.value)
                    if new != cell.value:
                        cell.value, changed = new, True
    if not changed:
        return None
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def report_files_scrub(scrub: Callable[[str], str], needles: list[str]) -> int:
    """Rewrite every stored report file that mentions one of `needles`; returns how many."""
    changed = 0
    for run in ReportRun.objects.exclude(file="").only("pk", "file").iterator():
        storage, name = run.file.storage, run.file.name
        # Never empty (the query leaves out runs without a file); django-stubs types it Optional.
        if not name or not storage.exists(name):
            continue
        with storage.open(name, "rb") as fh:
            data = fh.read()
        if name.endswith(".xlsx"):
            new = _rewrite_xlsx(data, scrub)
        else:
            text = data.decode("utf-8", errors="replace")
            hit = any(n in text.lower() for n in needles)
            new = scrub(text).encode("utf-8") if hit else None
        if new is None or new == data:
            continue
        storage.delete(name)
        saved = storage.save(name, ContentFile(new))
        if saved != name:
            ReportRun.objects.filter(pk=run.pk).update(file=saved)
        changed += 1
    return changed
