"""The mapping file: which CSV column each Frontline field comes from (see
tickets/import_mappings/ and README "Importing another helpdesk's export"), read and checked
before any row is."""

from __future__ import annotations

import json
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

FIELDS = {
    "external_id", "requester_email", "requester_name", "subject", "description", "status",
    "priority", "category", "channel", "created_at", "first_reply_at", "solved_at", "closed_at",
    "first_reply_minutes", "first_reply_hours", "resolution_minutes", "resolution_hours",
    "resolution", "agent_replies", "agent", "team", "tags", "language", "csat_rating", "csat_comment",
}  # fmt: skip
# Durations counted from created_at: each pair names one moment two ways (use one of them).
DURATIONS = {
    "first_reply_minutes": ("first_reply_at", 1),
    "first_reply_hours": ("first_reply_at", 60),
    "resolution_minutes": ("solved_at", 1),
    "resolution_hours": ("solved_at", 60),
}
CREATABLE = ("teams", "categories", "agents")


class MappingError(ValueError):
    """The mapping file itself is wrong (unknown field, missing column, bad JSON)."""


def load_mapping(path: str | Path) -> dict:
    try:
        mapping = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise MappingError(f"Cannot read mapping {path}: {exc}") from exc
    return check_mapping(mapping)


def check_mapping(mapping: dict) -> dict:
    """The mapping itself is consistent; raises MappingError saying what is not."""
    columns = mapping.get("columns") if isinstance(mapping, dict) else None
    if not isinstance(columns, dict):
        raise MappingError("The mapping needs a 'columns' object (Frontline field → CSV column).")
    if "requester_email" not in columns and "external_id" not in columns:
        raise MappingError(
            "Map 'requester_email', or 'external_id' (each ticket then gets a placeholder "
            "requester named after its external id)."
        )
    unknown = set(columns) - FIELDS
    if unknown:
        raise MappingError(f"Unknown field(s) in mapping: {', '.join(sorted(unknown))}")
    for name, (moment, _) in DURATIONS.items():
        if name in columns and moment in columns:
            raise MappingError(f"Map either '{name}' or '{moment}', not both.")
    for a, b in (("first_reply_minutes", "first_reply_hours"), ("resolution_minutes", "resolution_hours")):  # fmt: skip
        if a in columns and b in columns:
            raise MappingError(f"Map either '{a}' or '{b}', not both.")
    if set(DURATIONS) & set(columns) and "created_at" not in columns:
        raise MappingError("Durations are counted from 'created_at': map it too.")
    try:
        ZoneInfo(str(mapping.get("time_zone", "UTC")))
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise MappingError(
            f"time_zone {mapping.get('time_zone')!r} is not an IANA zone name"
        ) from exc
    for key in ("values", "formats", "defaults"):
        if not isinstance(mapping.get(key, {}), dict):
            raise MappingError(f"'{key}' must be an object")
    create = mapping.get("create_missing", [])
    if create is True:
        create = list(CREATABLE)
    if not isinstance(create, list) or set(create) - set(CREATABLE):
        raise MappingError(f"'create_missing' is true or a list of: {', '.join(CREATABLE)}")
    mapping["create_missing"] = create
    return mapping
