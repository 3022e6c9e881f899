"""Import tickets from another helpdesk's CSV export through a declarative JSON mapping.

The mapping names, for each Frontline field, the CSV column it comes from; `values` maps
their vocabulary onto ours ("Critical" → urgent); `formats` gives strptime formats for
times; `defaults` fills what the file lacks. See tickets/import_mappings/ for an example.

Fields: external_id, requester_email (required), requester_name, subject, description,
status, priority, category, channel, created_at, first_reply_at, solved_at, resolution,
agent (username or email of an existing user), team (slug), tags (one column or a list of
columns), language, csat_rating (1-5), csat_comment.

Rules: every row is validated before anything is written; with any invalid row nothing is
written (the errors name the CSV line). The write is one transaction. When the export has no
creation time, the ticket is taken as created at the earliest time the row has. A solve time
earlier than the first reply is clamped to the first reply and the ticket tagged
`import-clamped-times`, so no negative duration enters the metrics.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from django.db import transaction

from teams.models import Team

from .mapping import FIELDS, MappingError, load_mapping
from .parsing import CLAMPED_TAG, ParsedRow, parse_file
from .report import ImportResult, RowError, print_progress
from .validation import agents_by_key, reference_errors, rows_not_imported
from .writing import rows_write

__all__ = [
    "CLAMPED_TAG",
    "FIELDS",
    "ImportResult",
    "MappingError",
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
    progress: Callable[[int, int], None] | None = None,
) -> ImportResult:
    """Validate the whole file, then (unless dry_run) write it in one transaction.

    on_error="abort" (the default) writes nothing when any row is invalid; "skip" writes the
    valid rows and reports the others. Rows whose external id was imported before (or
    repeated in the file) are left alone, so importing the same file twice changes nothing."""
    if on_error not in ("abort", "skip"):
        raise ValueError("on_error must be 'abort' or 'skip'")
    rows, errors, count = parse_file(path, mapping)
    result = ImportResult(rows=count, errors=errors, dry_run=dry_run)
    teams = {t.slug: t for t in Team.objects.all()}
    agents = agents_by_key({r.agent for r in rows if r.agent})
    result.errors += reference_errors(rows, teams=teams, agents=agents)
    bad = {e.line for e in result.errors}
    result.errors.sort(key=lambda e: e.line)
    if bad and on_error == "abort":
        return result
    rows = [r for r in rows if r.line not in bad]
    result.skipped = len(bad)
    rows = rows_not_imported(rows, result)
    result.clamped = sum(r.clamped for r in rows)
    if dry_run:
        return result
    with transaction.atomic():
        rows_write(rows, teams, agents, result, progress)
    return result
