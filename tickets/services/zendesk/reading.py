"""Reading a Zendesk account's export directory, in the shapes Zendesk's API writes.

Each resource is read from NAME.json, NAME.ndjson and NAME.jsonl (all that exist), each a JSON page as
the list endpoints return it ({"tickets": [...], "next_page": ...}), a bare JSON array, or
NDJSON (one object a line, as the incremental exports and the account's JSON export write;
a line may also be a whole page). Resources: tickets (each may embed "comments", "metric_set"
and "satisfaction_rating"), users, organizations, groups, group_memberships,
satisfaction_ratings, ticket_fields, ticket_metrics (or the incremental export's side-loaded
"metric_sets"), and comments either as ticket_comments (objects with a ticket_id) or as
comments/<ticket id>.json pages of GET /api/v2/tickets/{id}/comments."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

STATUSES = {"new", "open", "pending", "hold", "solved", "closed"}
PRIORITIES = {None, "", "low", "normal", "high", "urgent"}


class ZendeskError(ValueError):
    """The export cannot be imported as it is; the message names the file and the record."""


@dataclass
class ZendeskExport:
    tickets: list[dict] = field(default_factory=list)
    users: dict[int, dict] = field(default_factory=dict)
    organizations: dict[int, dict] = field(default_factory=dict)
    groups: dict[int, dict] = field(default_factory=dict)
    memberships: dict[int, int] = field(default_factory=dict)  # user id → default group id
    fields: dict[int, str] = field(default_factory=dict)  # ticket field id → title
    comments: dict[int, list[dict]] = field(default_factory=dict)  # ticket id → comments
    metrics: dict[int, dict] = field(default_factory=dict)  # ticket id → metric set
    ratings: dict[int, dict] = field(default_factory=dict)  # ticket id → satisfaction rating
    deleted: int = 0  # tickets the incremental export lists as deleted: not imported


def _records(
    directory: Path, name: str, key: str | tuple[str, ...], *, bare: bool = True
) -> list[dict]:
    """Every NAME.json, NAME.ndjson and NAME.jsonl of the directory, in that order."""
    keys = (key,) if isinstance(key, str) else key
    out: list[dict] = []
    for suffix in (".json", ".ndjson", ".jsonl"):
        path = directory / f"{name}{suffix}"
        if path.exists():
            out += _read(path, keys, bare=bare)
    return out


def _read(path: Path, keys: tuple[str, ...], *, bare: bool = True) -> list[dict]:
    """The records under `keys` of each page in the file, and (`bare`) the records that
    stand alone (a JSON array's items, NDJSON lines)."""
    text = path.read_text(encoding="utf-8")
    try:
        whole = json.loads(text)
    except json.JSONDecodeError:
        whole = None
        items = []
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                items.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise ZendeskError(f"{path.name} line {number}: not JSON ({exc.msg})") from exc
    else:
        items = whole if isinstance(whole, list) else [whole]
    out: list[dict] = []
    for item in items:
        if not isinstance(item, dict):
            raise ZendeskError(f"{path.name}: expected JSON objects, found {type(item).__name__}")
        page = [k for k in keys if isinstance(item.get(k), list)]
        if page:
            out += item[page[0]]
        elif bare and not _is_page(item) and ("id" in item or "ticket_id" in item):
            out.append(item)
    return out


_PAGE_KEYS = {"next_page", "previous_page", "count", "end_of_stream", "after_cursor", "meta", "links", "end_time"}  # fmt: skip


def _is_page(item: dict) -> bool:
    """A page of some list (its records under another key), not a record itself."""
    return bool(_PAGE_KEYS & set(item)) or any(isinstance(v, list) and v and isinstance(v[0], dict) for k, v in item.items() if k not in ("comments", "custom_fields", "fields", "attachments"))  # fmt: skip


def _by_id(rows: list[dict], name: str) -> dict[int, dict]:
    out = {}
    for row in rows:
        try:
            out[int(row["id"])] = row
        except (KeyError, TypeError, ValueError) as exc:
            raise ZendeskError(f"{name}: a record without a numeric id: {row!r:.120}") from exc
    return out


def parse_time(value, where: str) -> datetime:
    """Zendesk's ISO 8601 times ("2026-09-01T08:00:00Z")."""
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError as exc:
        raise ZendeskError(f"{where}: {value!r} is not an ISO 8601 time") from exc
    if parsed.tzinfo is None:
        raise ZendeskError(f"{where}: {value!r} has no time zone")
    return parsed


def export_read(directory: str | Path) -> ZendeskExport:
    """Everything the import needs from the directory, checked: raises ZendeskError naming the
    first problem (a file that is not JSON, a ticket without id, an unknown status)."""
    root = Path(directory)
    if not root.is_dir():
        raise ZendeskError(f"{root} is not a directory")
    export = ZendeskExport()
    export.tickets = _records(root, "tickets", "tickets")
    alive = [t for t in export.tickets if t.get("status") != "deleted"]
    export.deleted, export.tickets = len(export.tickets) - len(alive), alive
    if not export.tickets:
        raise ZendeskError(f"No tickets found in {root} (tickets.json / tickets.ndjson)")
    # The incremental export side-loads users, groups, organizations and metric_sets into the
    # tickets' pages (include=...); separate files hold the rest.
    side = {k: _records(root, "tickets", k, bare=False) for k in ("users", "groups", "organizations", "metric_sets")}  # fmt: skip
    export.users = _by_id(side["users"] + _records(root, "users", "users"), "users")
    export.organizations = _by_id(side["organizations"] + _records(root, "organizations", "organizations"), "organizations")  # fmt: skip
    export.groups = _by_id(side["groups"] + _records(root, "groups", "groups"), "groups")
    for m in _records(root, "group_memberships", "group_memberships"):
        if m.get("default") or int(m["user_id"]) not in export.memberships:
            export.memberships[int(m["user_id"])] = int(m["group_id"])
    export.fields = {
        int(f["id"]): str(f.get("title") or f.get("raw_title") or f["id"])
        for f in _records(root, "ticket_fields", "ticket_fields")
    }
    for m in side["metric_sets"] + _records(root, "ticket_metrics", ("ticket_metrics", "metric_sets")):  # fmt: skip
        export.metrics[int(m["ticket_id"])] = m
    for r in _records(root, "satisfaction_ratings", "satisfaction_ratings"):
        if r.get("ticket_id") is not None:
            export.ratings[int(r["ticket_id"])] = r
    for c in _records(root, "ticket_comments", "comments"):
        export.comments.setdefault(int(c["ticket_id"]), []).append(c)
    pages = root / "comments"
    if pages.is_dir():
        for path in sorted(pages.glob("*.json")):
            if path.stem.isdigit():
                export.comments.setdefault(int(path.stem), []).extend(_read(path, ("comments",)))
    seen: set[int] = set()
    for number, t in enumerate(export.tickets, start=1):
        _check_ticket(t, number, export, seen)
    return export


def _check_ticket(t: dict, number: int, export: ZendeskExport, seen: set[int]) -> None:
    try:
        tid = int(t["id"])
    except (KeyError, TypeError, ValueError) as exc:
        raise ZendeskError(f"tickets record {number}: no numeric id") from exc
    where = f"ticket {tid}"
    if tid in seen:
        raise ZendeskError(f"{where} appears twice")
    seen.add(tid)
    if t.get("status") not in STATUSES:
        raise ZendeskError(f"{where}: status {t.get('status')!r} is not a Zendesk status")
    if t.get("priority") not in PRIORITIES:
        raise ZendeskError(f"{where}: priority {t.get('priority')!r} is not a Zendesk priority")
    parse_time(t.get("created_at"), where)
    if "comments" in t:
        export.comments.setdefault(tid, []).extend(t["comments"])
    if isinstance(t.get("metric_set"), dict):
        export.metrics.setdefault(tid, t["metric_set"])
    rating = t.get("satisfaction_rating")
    if isinstance(rating, dict) and tid not in export.ratings:
        export.ratings[tid] = rating
    for c in export.comments.get(tid, []):
        parse_time(c.get("created_at"), f"{where} comment {c.get('id')}")
