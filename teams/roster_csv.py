"""Roster CSV parsing: the columns an HR spreadsheet has, checked row by row.

Columns (header row required, any order, case-insensitive): name, email, team, role, skills,
time zone, shift pattern. Skills are separated by ";" or "|". A shift pattern is one or more
"<days> <HH:MM>-<HH:MM>" separated by ";", days as "Mon-Fri", "Sat,Sun" or "Tue"; an end not
after the start crosses midnight ("Sun-Thu 22:00-06:00"). Parsing touches no database row
except to look teams up.
"""

from __future__ import annotations

import csv
import io
import re
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time

from .models import Team

DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
COLUMNS = ["name", "email", "team", "role", "skills", "time zone", "shift pattern"]
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PART = re.compile(
    r"^\s*(?P<days>[A-Za-z ,\-]+?)\s+(?P<start>\d{1,2}:\d{2})\s*-\s*(?P<end>\d{1,2}:\d{2})\s*$"
)


class PatternError(ValueError):
    pass


def _day(token: str) -> int:
    key = token.strip().lower()[:3]
    if key not in DAYS:
        raise PatternError(f'unknown day "{token.strip()}"')
    return DAYS.index(key)


def _time(text: str) -> time:
    hours, minutes = (int(x) for x in text.split(":"))
    if not (0 <= hours <= 23 and 0 <= minutes <= 59):
        raise PatternError(f'"{text}" is not a time of day')
    return time(hours, minutes)


def parse_shift_pattern(text: str) -> list[tuple[int, time, time]]:
    """ "Mon-Fri 09:00-17:00; Sat 10:00-14:00" → [(weekday, start, end), ...]."""
    shifts: list[tuple[int, time, time]] = []
    for part in filter(str.strip, text.split(";")):
        m = _PART.match(part)
        if not m:
            raise PatternError(f'"{part.strip()}" is not like "Mon-Fri 09:00-17:00"')
        start, end = _time(m["start"]), _time(m["end"])
        if start == end:
            raise PatternError(f'"{part.strip()}" starts and ends at the same time')
        days: list[int] = []
        for chunk in m["days"].split(","):
            if "-" in chunk:
                a, b = (_day(x) for x in chunk.split("-", 1))
                days.extend(range(a, b + 1) if a <= b else [*range(a, 7), *range(0, b + 1)])
            else:
                days.append(_day(chunk))
        for d in days:
            if any(s[0] == d and s[1] == start for s in shifts):
                raise PatternError(f"two shifts start {DAYS[d].title()} {start:%H:%M}")
            shifts.append((d, start, end))
    return shifts


@dataclass
class RosterRow:
    """One data row: its line number in the file, cleaned values and what is wrong with it."""

    line: int
    name: str = ""
    email: str = ""
    team: Team | None = None
    role: str = ""
    skills: list[str] = field(default_factory=list)
    time_zone: str = ""
    shifts: list[tuple[int, time, time]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def first_name(self) -> str:
        return self.name.split(" ", 1)[0]

    @property
    def last_name(self) -> str:
        return self.name.split(" ", 1)[1] if " " in self.name else ""


def read_rows(text: str, *, teams: Mapping[str, Team], roles: dict[str, str]) -> list[RosterRow]:
    """Parse CSV text. `teams` maps lower-case slug and name to Team; `roles` maps lower-case
    value and label to a Role value. Returns every data row, with errors; a file-level
    problem (missing columns) is reported on line 1."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    try:
        header = [h.strip().lower().replace("_", " ") for h in next(reader)]
    except StopIteration:
        return [RosterRow(line=1, errors=["The file is empty."])]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        return [RosterRow(line=1, errors=["Missing column(s): " + ", ".join(missing)])]
    index = {c: header.index(c) for c in COLUMNS}
    rows, seen = [], {}
    zones = zoneinfo.available_timezones()
    for values in reader:
        line = reader.line_num
        if not any(v.strip() for v in values):
            continue
        values = values + [""] * (len(header) - len(values))
        cell = {c: values[i].strip() for c, i in index.items()}
        row = RosterRow(line=line, name=cell["name"], email=cell["email"].lower())
        if not row.name:
            row.errors.append("name is empty")
        if not _EMAIL.match(row.email):
            row.errors.append(f'"{cell["email"]}" is not an email address')
        elif row.email in seen:
            row.errors.append(f"{row.email} is also on line {seen[row.email]}")
        else:
            seen[row.email] = line
        row.team = teams.get(cell["team"].lower())
        if row.team is None:
            row.errors.append(f'unknown team "{cell["team"]}"')
        row.role = roles.get(cell["role"].lower(), "")
        if not row.role:
            row.errors.append(f'unknown role "{cell["role"]}"')
        row.skills = [s.strip() for s in re.split(r"[;|]", cell["skills"]) if s.strip()]
        row.time_zone = cell["time zone"] or "UTC"
        if row.time_zone not in zones:
            row.errors.append(f'unknown time zone "{row.time_zone}"')
        try:
            row.shifts = parse_shift_pattern(cell["shift pattern"])
        except PatternError as exc:
            row.errors.append(f"shift pattern: {exc}")
        rows.append(row)
    if not rows:
        return [RosterRow(line=1, errors=["The file has a header but no rows."])]
    return rows
