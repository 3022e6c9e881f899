"""Which parsed rows were imported before (by external id): left alone, so importing a file
twice changes nothing, or with `update` written over."""

from __future__ import annotations

from ...models import Ticket
from .parsing import ParsedRow
from .report import ImportResult


def imported_ids() -> dict[str, int]:
    """Ticket ids by the external id an import gave them."""
    return {
        str(ext): pk
        for pk, ext in Ticket.objects.filter(custom_fields__has_key="import_id").values_list(
            "pk", "custom_fields__import_id"
        )
    }


def rows_not_imported(
    rows: list[ParsedRow], result: ImportResult, *, update: bool = False
) -> tuple[list[ParsedRow], dict[str, int]]:
    """The rows to write (first occurrence of each external id in the file; with `update`
    also those already imported) and, for the latter, their tickets' ids."""
    seen = imported_ids()
    out, existing, in_file = [], {}, set()
    for r in rows:
        if r.external_id:
            if r.external_id in in_file:
                result.already_imported += 1  # repeated in the file: the first one counts
                continue
            in_file.add(r.external_id)
            if r.external_id in seen:
                if not update:
                    result.already_imported += 1
                    continue
                existing[r.external_id] = seen[r.external_id]
        out.append(r)
    return out, existing
