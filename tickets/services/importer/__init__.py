"""Import tickets from another helpdesk's CSV export through a declarative JSON mapping.

The mapping names, for each Frontline field, the CSV column it comes from; `values` maps
their vocabulary onto ours ("Critical" → urgent); `formats` gives strptime formats for
times; `defaults` fills what the file lacks; `create_missing` lets the import create the
teams, categories and agents it names. README "Importing another helpdesk's export" is the
manager's guide; tickets/import_mappings/ holds an example.

Fields: external_id, requester_email, requester_name, subject, description, status,
priority, category, channel, created_at, first_reply_at, solved_at, closed_at (timestamps),
first_reply_minutes / first_reply_hours, resolution_minutes / resolution_hours (durations
from created_at), resolution, agent, team, tags (one column or a list of columns), language,
csat_rating (1-5), csat_comment.

Rules: every row is validated before anything is written (its field count too); with any
invalid row nothing is written (the errors name the CSV line). The write is one transaction,
creations included. When the export has no creation time, the ticket is taken as created at
the earliest time the row has. A solve time earlier than the first reply is clamped to the
first reply and the ticket tagged `import-clamped-times`, so no negative duration enters the
metrics. The history is written at the export's times (writing.history), so the metrics read
an imported ticket as one worked in Frontline.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from django.db import transaction

from .mapping import FIELDS, MappingError, check_mapping, load_mapping
from .parsing import CLAMPED_TAG, ParsedRow, parse_file
from .references import references_create, references_find
from .report import ImportResult, RowError, print_progress
from .sla import sla_history
from .validation import rows_not_imported
from .writing import caches_move, rows_write, tickets_touch

__all__ = [
    "CLAMPED_TAG",
    "FIELDS",
    "ImportResult",
    "MappingError",
    "check_mapping",
    "ParsedRow",
    "RowError",
    "import_tickets",
    "load_mapping",
    "parse_file",
    "print_progress",
]


def import_tickets(
    path: str | Path,
    mapping: dict,
    *,
    dry_run: bool = False,
    on_error: str = "abort",
    create_missing: bool = False,
    update: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> ImportResult:
    """Validate the whole file, then (unless dry_run) write it in one transaction.

    on_error="abort" (the default) writes nothing when any row is invalid; "skip" writes the
    valid rows and reports the others. Rows whose external id was imported before (or
    repeated in the file) are left alone, so importing the same file twice changes nothing;
    with `update` the ones imported before are written over (fields and imported history).
    `create_missing` creates every team, category and agent the rows name that does not
    exist (the mapping's "create_missing" can allow some kinds only)."""
    if on_error not in ("abort", "skip"):
        raise ValueError("on_error must be 'abort' or 'skip'")
    mapping = check_mapping(dict(mapping))
    create = ["teams", "categories", "agents"] if create_missing else mapping["create_missing"]
    rows, errors, count = parse_file(path, mapping)
    result = ImportResult(rows=count, errors=errors, dry_run=dry_run)
    refs = references_find(rows)
    result.errors += refs.errors(rows, create)
    bad = {e.line for e in result.errors}
    result.errors.sort(key=lambda e: e.line)
    result.to_create = {k: v for k, v in refs.missing.items() if k in create and v}
    if bad and on_error == "abort":
        return result
    rows = [r for r in rows if r.line not in bad]
    result.skipped = len(bad)
    rows, existing = rows_not_imported(rows, result, update=update)
    result.clamped = sum(r.clamped for r in rows)
    if dry_run:
        result.updated = len(existing)
        return result
    with transaction.atomic():
        result.created = references_create(refs, rows, create)
        rows_write(rows, refs, result, progress, existing)
        sla_history(result.ticket_ids)
    tickets_touch(result.ticket_ids)
    caches_move()
    return result
