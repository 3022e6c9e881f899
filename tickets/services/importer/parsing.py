"""Reading the CSV: each record turned into a ParsedRow through the mapping, or a RowError
naming its line and everything wrong with it. Every record must have as many fields as the
header (a truncated or broken line is an error naming it). Times get the mapping's zone;
durations are counted from the creation time; a solve before the first reply is clamped and
tagged (CLAMPED_TAG)."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone
from django.utils.text import slugify

from ...models import Ticket
from .mapping import DURATIONS, MappingError
from .report import RowError

TIME_FIELDS = ("created_at", "first_reply_at", "solved_at", "closed_at")
PRIORITIES = {p.label.lower(): p.value for p in Ticket.Priority}
# Computed once: building them per row was a quarter of the parse time at 100,000 rows.
STATUSES, PRIORITY_NAMES, CHANNELS = (
    set(Ticket.Status.values),
    set(PRIORITIES),
    set(Ticket.Channel.values),
)
CLAMPED_TAG = "import-clamped-times"
# Other helpdesks' usual words, understood without a values table (README lists them).
SYNONYMS = {
    "resolved": "solved", "done": "solved", "completed": "solved", "hold": "on_hold",
    "onhold": "on_hold", "in_progress": "open", "waiting_on_customer": "pending",
    "awaiting_customer": "pending", "medium": "normal", "critical": "urgent", "phone": "agent",
    "voice": "agent", "chat": "web", "portal": "web", "web_form": "web", "e_mail": "email",
    "mail": "email",
}  # fmt: skip
# The category of tickets whose mapping names none (created when missing).
FALLBACK_CATEGORY = "Imported"
PLACEHOLDER_DOMAIN = "requester.import.invalid"
_DURATION = re.compile(r"(?P<h>\d+):(?P<m>\d{1,2})(?::(?P<s>\d{1,2}(?:\.\d+)?))?")


def placeholder_email(external_id: str) -> str:
    """The one placeholder requester of a ticket whose export names none (RFC 2606 domain)."""
    return f"ticket-{tag_slug(external_id) or 'x'}@{PLACEHOLDER_DOMAIN}"


@dataclass
class ParsedRow:
    line: int
    external_id: str
    email: str
    name: str
    subject: str
    description: str
    status: str
    priority: int
    category: str
    channel: str
    created_at: datetime
    first_reply_at: datetime | None
    solved_at: datetime | None
    closed_at: datetime | None
    resolution: str
    agent_replies: int | None
    agent: str
    team: str
    tags: list[str]
    language: str
    csat_rating: int | None
    csat_comment: str
    clamped: bool = False


class _RowParser:
    """Turns one CSV record into a ParsedRow or a list of messages about what is wrong."""

    def __init__(self, mapping: dict, header: Sequence[str]):
        self.columns = mapping["columns"]
        self.values = mapping.get("values", {})
        self.formats = mapping.get("formats", {})
        self.defaults = mapping.get("defaults", {})
        self.zone = ZoneInfo(mapping.get("time_zone", "UTC"))
        self._folded: dict[str, dict[str, str]] = {}
        missing = [
            col
            for spec in self.columns.values()
            for col in (spec if isinstance(spec, list) else [spec])
            if col not in header
        ]
        if missing:
            raise MappingError(f"Column(s) not in the file: {', '.join(missing)}")

    def raw(self, record: dict, name: str) -> str:
        col = self.columns.get(name)
        if col is None or isinstance(col, list):
            return ""
        return (record.get(col) or "").strip()

    def mapped(
        self, record: dict, name: str, problems: list[str], allowed: Iterable[str] | None = None
    ) -> str:
        value = self.raw(record, name)
        table = self.values.get(name, {})
        if value and table:
            key = value if value in table else self.folded(name).get(value.casefold())
            if key is None:
                problems.append(f"{name} {value!r} is not in the mapping's values")
                return ""
            value = "" if table[key] is None else str(table[key])
        value = value or str(self.defaults.get(name, ""))
        if allowed is not None and value and value not in allowed:
            code = value.casefold().replace(" ", "_").replace("-", "_")
            code = code if code in allowed else SYNONYMS.get(code, code)
            if code in allowed:  # "Solved", "On hold", "Resolved" without a values table
                return code
            problems.append(f"{name} {value!r} is not one of {', '.join(sorted(allowed))}")
        return value

    def folded(self, name: str) -> dict[str, str]:
        """The values table's keys by their case-folded form: "CLOSED" finds "Closed"."""
        if name not in self._folded:
            self._folded[name] = {k.casefold(): k for k in self.values.get(name, {})}
        return self._folded[name]

    def when(self, record: dict, name: str, problems: list[str]) -> datetime | None:
        value = self.raw(record, name)
        if not value:
            return None
        try:
            fmt = self.formats.get(name)
            parsed = _strptime(value, fmt) if fmt else datetime.fromisoformat(value)
        except ValueError:
            problems.append(
                f"{name} {value!r} does not match format {self.formats.get(name, 'ISO 8601')}"
            )
            return None
        # In UTC: durations added to a zoned time would count wall-clock hours across DST.
        return (parsed if parsed.tzinfo else parsed.replace(tzinfo=self.zone)).astimezone(UTC)

    def after(self, record: dict, created: datetime | None, problems: list[str]) -> dict:
        """The moments the mapping gives as durations from created_at (minutes or hours)."""
        out = {}
        for name, (moment, factor) in DURATIONS.items():
            value = self.raw(record, name)
            if not value:
                continue
            minutes = _duration_minutes(value)
            if minutes is None or minutes < 0:
                problems.append(f"{name} {value!r} is not a number of {name.split('_')[-1]}")
            elif created is None:
                problems.append(f"{name} needs created_at, which is empty")
            else:
                out[moment] = created + timedelta(minutes=minutes * factor)
        return out

    def parse(self, line: int, record: dict) -> ParsedRow | RowError:
        problems: list[str] = []
        external_id = self.raw(record, "external_id")
        if "requester_email" in self.columns:
            email = self.raw(record, "requester_email").lower()
            try:
                validate_email(email)
            except ValidationError:
                problems.append(f"requester_email {email!r} is not an email address")
        elif external_id:
            email = placeholder_email(external_id)
        else:
            email = ""
            problems.append("no requester_email column and this row's external_id is empty")
        description = self.raw(record, "description")
        subject = (
            self.raw(record, "subject")
            or (description.splitlines()[0][:120] if description else "")
            or str(self.defaults.get("subject", ""))
            or (f"Imported ticket {external_id}" if external_id else "")
        )
        if not subject:
            problems.append("subject, description and external_id are all empty")
        status = self.mapped(record, "status", problems, STATUSES) or Ticket.Status.NEW
        priority = self.mapped(record, "priority", problems, PRIORITY_NAMES) or "normal"
        category = self.mapped(record, "category", problems)
        if not category and "category" in self.columns:
            problems.append("no category (an empty cell: set a default for it)")
        category = category or FALLBACK_CATEGORY
        channel = self.mapped(record, "channel", problems, CHANNELS) or Ticket.Channel.EMAIL
        times = {name: self.when(record, name, problems) for name in TIME_FIELDS}
        times.update(self.after(record, times["created_at"], problems))
        team = self.mapped(record, "team", problems)
        agent = self.mapped(record, "agent", problems)
        rating = None
        raw_rating = self.mapped(record, "csat_rating", problems)  # "good" → "5" via values
        if raw_rating:
            try:
                rating = round(float(raw_rating))
            except ValueError:
                rating = None
            if rating is None or not 1 <= rating <= 5:
                problems.append(f"csat_rating {raw_rating!r} is not a number from 1 to 5")
        replies = None
        raw_replies = self.raw(record, "agent_replies")
        if raw_replies:
            try:
                replies = int(float(raw_replies))
            except ValueError:
                replies = -1
            if replies < 0:
                problems.append(f"agent_replies {raw_replies!r} is not a whole number ≥ 0")
        if problems:
            return RowError(line, "; ".join(problems))
        known = [t for t in times.values() if t is not None]
        created = times["created_at"] or (min(known) if known else timezone.now())
        first_reply, solved, closed = (
            times["first_reply_at"],
            times["solved_at"],
            times["closed_at"],
        )
        clamped = False
        if first_reply and first_reply < created:
            first_reply, clamped = created, True
        if solved and solved < (first_reply or created):
            solved, clamped = first_reply or created, True
        if status in Ticket.DONE and solved is None:
            solved = closed or first_reply or created
        if status != Ticket.Status.CLOSED:
            closed = None
        elif solved is not None:
            closed = max(closed or solved, solved)
        tag_cols = self.columns.get("tags", [])
        tags = [
            record.get(c, "").strip()
            for c in (tag_cols if isinstance(tag_cols, list) else [tag_cols])
        ]
        tags += list(self.defaults.get("tags", []))
        if clamped:
            tags.append(CLAMPED_TAG)
        return ParsedRow(
            line=line,
            external_id=external_id,
            email=email,
            name=self.raw(record, "requester_name"),
            subject=subject[:250],
            description=description or subject,
            status=status,
            priority=PRIORITIES[priority],
            category=category,
            channel=channel,
            created_at=created,
            first_reply_at=first_reply,
            solved_at=solved if status in Ticket.DONE else None,
            closed_at=closed,
            resolution=self.raw(record, "resolution"),
            agent_replies=replies,
            agent=agent,
            team=team,
            tags=[tag_slug(t) for t in tags if t],
            language=self.raw(record, "language") or self.defaults.get("language", "en"),
            csat_rating=rating,
            csat_comment=self.raw(record, "csat_comment"),
            clamped=clamped,
        )


# strptime costs ~10 µs a call (a quarter of the parse time at 100,000 rows); a value that has
# exactly the shape of an ISO-like format parses the same with datetime.fromisoformat.
_ISO_SHAPES = {
    "%Y-%m-%d %H:%M:%S": re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}"),
    "%Y-%m-%dT%H:%M:%S": re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}"),
    "%Y-%m-%d": re.compile(r"\d{4}-\d{2}-\d{2}"),
}


def _strptime(value: str, fmt: str) -> datetime:
    shape = _ISO_SHAPES.get(fmt)
    if shape is not None and shape.fullmatch(value):
        return datetime.fromisoformat(value)
    return datetime.strptime(value, fmt)  # noqa: DTZ007 - the caller applies the zone


def _duration_minutes(value: str) -> float | None:
    """ "90", "1.5", "1,5" or "1:30[:00]" (hours:minutes[:seconds]) → a number of the unit,
    or None. H:MM is read as hours and minutes whatever the column's unit."""
    shape = _DURATION.fullmatch(value)
    if shape:
        return int(shape["h"]) * 60 + int(shape["m"]) + float(shape["s"] or 0) / 60
    try:
        return float(value.replace(",", "."))
    except ValueError:
        return None


@lru_cache(maxsize=4096)
def tag_slug(text: str) -> str:
    return slugify(text)[:64]


def parse_file(path: str | Path, mapping: dict) -> tuple[list[ParsedRow], list[RowError], int]:
    """Read and validate every row; returns (rows, errors, count of records)."""
    rows: list[ParsedRow] = []
    errors: list[RowError] = []
    count = 0
    with open(
        path, newline="", encoding=mapping.get("encoding", "utf-8"), errors="strict"
    ) as handle:
        reader = csv.reader(handle, delimiter=mapping.get("delimiter", ","), strict=True)
        start_line = 1
        try:
            header = [h.strip().lstrip("\ufeff") for h in next(reader, [])]  # Excel's BOM
            parser = _RowParser(mapping, header)
            start_line = reader.line_num + 1
            for fields in reader:
                if not fields:  # a blank line
                    start_line = reader.line_num + 1
                    continue
                count += 1
                if len(fields) != len(header):
                    errors.append(RowError(start_line, _field_count(fields, header)))
                else:
                    parsed = parser.parse(start_line, dict(zip(header, fields, strict=True)))
                    (errors if isinstance(parsed, RowError) else rows).append(parsed)  # type: ignore[arg-type]
                start_line = reader.line_num + 1
        except (csv.Error, UnicodeDecodeError) as exc:
            count += 1
            errors.append(RowError(start_line, f"unreadable CSV (truncated file?): {exc}"))
    return rows, errors, count


def _field_count(fields: list[str], header: list[str]) -> str:
    return f"has {len(fields)} field(s), the header has {len(header)}" + (
        " (the file looks truncated here)" if len(fields) < len(header) else ""
    )
