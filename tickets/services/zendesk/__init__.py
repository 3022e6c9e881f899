"""Migration from Zendesk: `manage.py import_zendesk DIR` (README "Migrating from Zendesk").

reading (the export's files, as Zendesk's API writes them) → people (groups → teams, agents,
end users → requesters, ticket types → categories) → writing (tickets a batch at a time).
The whole export is read and checked before anything is written; people and teams are written
in one transaction, then each batch of tickets in its own: a failure keeps the batches done
before it and nothing of the failing one, and running the import again finishes the job
(tickets are matched by their Zendesk id, so a second run gives the same result)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction

from ..importer.writing import caches_move
from .people import people_sync
from .reading import ZendeskError, ZendeskExport, export_read
from .writing import CSAT, batch_write, zendesk_ids

__all__ = ["BATCH", "CSAT", "ZendeskError", "ZendeskExport", "ZendeskResult", "export_read", "zendesk_import"]  # fmt: skip

BATCH = 200


@dataclass
class ZendeskResult:
    tickets: int = 0
    created: int = 0
    updated: int = 0
    people: dict[str, int] = field(default_factory=dict)


def zendesk_import(
    directory: str | Path,
    *,
    batch: int = BATCH,
    progress: Callable[[int, int], None] | None = None,
) -> ZendeskResult:
    """Import the export in `directory`; raises ZendeskError (nothing written) when it cannot
    be read or checked."""
    export = export_read(directory)
    result = ZendeskResult(tickets=len(export.tickets))
    with transaction.atomic():
        people = people_sync(export)
    result.people = people.created
    known = zendesk_ids()
    files = Path(directory) / "attachments"
    tickets = sorted(export.tickets, key=lambda t: int(t["id"]))
    for start in range(0, len(tickets), batch):
        with transaction.atomic():
            created, updated = batch_write(
                tickets[start : start + batch], export, people, files, dict(known)
            )
        known = zendesk_ids() if created else known
        result.created += created
        result.updated += updated
        caches_move()
        if progress:
            progress(min(start + batch, len(tickets)), len(tickets))
    return result
