"""What erasure replaces and with what: the tombstones, the Scrubber that rewrites a set of
requesters' identifiers in text and JSON, and the hooks through which other apps scrub their
files."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

ERASED_TEXT = "[erased]"
ERASED_HTML = "<p>[erased]</p>"
ERASED_SUBJECT = "[erased]"

# Tables the sweep never rewrites: the append-only audit trail (holds no personal data by
# construction), staff accounts (a staff member who also wrote in as a requester keeps their
# login), and Django's own bookkeeping.
SKIP_MODELS = {
    "teams.auditentry",
    "auth.permission",
    "contenttypes.contenttype",
    "sessions.session",
}

# Files other apps keep that may hold requester data: fn(scrub, needles) -> files changed.
HOOKS: list[Callable[[Callable[[str], str], list[str]], int]] = []


def erasure_hook(fn):
    """Register fn(scrub, needles) -> int: rewrite the app's stored files with `scrub` (a
    str -> str function) when they contain one of `needles` (lower-case); return how many."""
    if fn not in HOOKS:
        HOOKS.append(fn)
    return fn


def tombstone_email(pk: int) -> str:
    return f"erased-requester-{pk}@invalid"


def tombstone_name(pk: int) -> str:
    return f"Erased requester {pk}"


@dataclass
class Scrubber:
    """Replaces the identifiers of a set of requesters in text and JSON values."""

    rules: list[tuple[str, re.Pattern, str]] = field(default_factory=list)  # needle, re, new
    exact: dict[str, str] = field(default_factory=dict)  # whole JSON string values
    unique: set[str] = field(default_factory=set)  # needles only this person has (email, phone)

    def add(self, value: str, new: str, *, words: bool, min_len: int, unique=False) -> None:
        value = (value or "").strip()
        if len(value) < min_len:
            return
        body = re.escape(value)
        pattern = rf"(?<!\w){body}(?!\w)" if words else body
        self.rules.append((value.lower(), re.compile(pattern, re.IGNORECASE), new))
        if unique:
            self.unique.add(value.lower())

    def strict(self) -> Scrubber:
        """Only the identifiers no one else has: for rows that belong to other requesters and
        their tickets, where a name or handle may well be someone else's."""
        return Scrubber(rules=[r for r in self.rules if r[0] in self.unique], unique=self.unique)

    @property
    def needles(self) -> list[str]:
        return [n for n, _, _ in self.rules]

    def text(self, value: str) -> str:
        for _, pattern, new in self.rules:
            value = pattern.sub(new, value)
        return value

    def json(self, value):
        if isinstance(value, str):
            return self.exact.get(value, self.text(value))
        if isinstance(value, list):
            return [self.json(v) for v in value]
        if isinstance(value, dict):
            return {k: self.json(v) for k, v in value.items()}
        return value


@dataclass
class ErasureCounts:
    requesters: int = 0
    tickets: int = 0
    messages: int = 0
    attachments: int = 0
    files: int = 0
    rows: dict[str, int] = field(default_factory=dict)

    def as_detail(self) -> dict:
        return {
            "requesters": self.requesters,
            "tickets": self.tickets,
            "messages": self.messages,
            "attachments": self.attachments,
            "files": self.files,
            "rows_scrubbed": dict(sorted(self.rows.items())),
        }
