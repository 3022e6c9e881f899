"""What an import reports back: the errors by CSV line, the counts, and a progress bar."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field


@dataclass
class RowError:
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


@dataclass
class ImportResult:
    rows: int = 0
    imported: int = 0
    already_imported: int = 0
    requesters_created: int = 0
    clamped: int = 0
    updated: int = 0  # of `imported`: tickets written over (update=True)
    created: dict[str, int] = field(default_factory=dict)  # teams/categories/agents made
    to_create: dict[str, list[str]] = field(default_factory=dict)  # their names
    errors: list[RowError] = field(default_factory=list)
    skipped: int = 0  # invalid rows left out with on_error="skip"
    dry_run: bool = False
    csat_rows: list[tuple[str, int, str]] = field(default_factory=list)
    ticket_ids: list[int] = field(default_factory=list)  # the tickets written

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def invalid_rows(self) -> int:
        """How many rows have errors (a row with several counts once)."""
        return len({e.line for e in self.errors})


def print_progress(done: int, total: int, stream=sys.stderr) -> None:
    width = 30
    filled = width * done // max(total, 1)
    stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
    if done >= total:
        stream.write("\n")
    stream.flush()
