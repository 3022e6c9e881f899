"""The mapping file: which CSV column each Frontline field comes from (see
tickets/import_mappings/), read and checked before any row is."""

from __future__ import annotations

import json
from pathlib import Path

FIELDS = {
    "external_id", "requester_email", "requester_name", "subject", "description", "status",
    "priority", "category", "channel", "created_at", "first_reply_at", "solved_at", "resolution",
    "agent", "team", "tags", "language", "csat_rating", "csat_comment",
}  # fmt: skip


class MappingError(ValueError):
    """The mapping file itself is wrong (unknown field, missing column, bad JSON)."""


def load_mapping(path: str | Path) -> dict:
    try:
        mapping = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise MappingError(f"Cannot read mapping {path}: {exc}") from exc
    columns = mapping.get("columns")
    if not isinstance(columns, dict) or "requester_email" not in columns:
        raise MappingError("The mapping needs a 'columns' object with at least 'requester_email'.")
    unknown = set(columns) - FIELDS
    if unknown:
        raise MappingError(f"Unknown field(s) in mapping: {', '.join(sorted(unknown))}")
    return mapping
