"""How export cells read to a person: people by name, choices by label, times with their zone
named in the header (or UTC ISO 8601), durations and rates rounded — once for the Python
writers and once as database expressions for PostgreSQL's COPY (exports.pgcsv) — and what each
column means (the XLSX "Definitions" sheet, from metrics.definitions)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo

from django.db.models import Case, CharField, F, Func, Value, When
from django.db.models.functions import Cast, Coalesce, Concat, NullIf, Trim

from ..definitions import BY_SLUG

DECIMALS = 1  # minutes, hours and percentages: one decimal is what a reader compares
ISO_UTC = "%Y-%m-%dT%H:%M:%SZ"
TEXT = CharField()


@dataclass(frozen=True)
class Times:
    """How times are written: in `tz` (named in the header), or as UTC ISO 8601 text."""

    tz: tzinfo
    utc_iso: bool = False

    @property
    def zone(self) -> str | None:
        """The zone's IANA name (None for a fixed offset without one)."""
        if self.utc_iso:
            return "UTC"
        name = getattr(self.tz, "key", None)
        return name or ("UTC" if self.tz.utcoffset(None) == timedelta(0) else None)

    def header(self, name: str) -> str:
        if self.utc_iso:
            return f"{name} (UTC, ISO 8601)"
        return f"{name} ({self.zone or self.tz.tzname(None)})"

    def cell(self, value: datetime | None):
        """A datetime in the zone (a spreadsheet date), or ISO text in UTC; None stays None."""
        if value is None:
            return None
        if self.utc_iso:
            return value.astimezone(UTC).strftime(ISO_UTC)
        return value.astimezone(self.tz)

    def sql(self, field: str) -> Func:
        """The same cell written by PostgreSQL (zone is known: see `zone`)."""
        if self.utc_iso:
            return Func(
                F(field),
                template="to_char(%(expressions)s AT TIME ZONE 'UTC', "
                '\'YYYY-MM-DD"T"HH24:MI:SS"Z"\')',
                output_field=TEXT,
            )
        return Func(
            Value(self.zone),
            F(field),
            template="date_trunc('second', timezone(%(expressions)s))",
            output_field=TEXT,
        )


def person(first: str | None, last: str | None, username: str | None) -> str:
    """A person as people call them: their full name, else their login; "" for nobody."""
    return f"{first or ''} {last or ''}".strip() or (username or "")


def person_sql(prefix: str) -> Func:
    """`person` of the user at `prefix` (e.g. "assignee") as a database expression."""
    full = Trim(Concat(F(f"{prefix}__first_name"), Value(" "), F(f"{prefix}__last_name")))
    return Coalesce(NullIf(full, Value("")), F(f"{prefix}__username"), output_field=TEXT)


def labelled_sql(field: str, choices) -> Case:
    """The label of a choice field's value (the value itself when it is not a choice)."""
    whens = [When(**{field: k}, then=Value(str(v))) for k, v in choices]
    return Case(*whens, default=Cast(field, TEXT), output_field=TEXT)


def rounded(value: float | None) -> float | None:
    return None if value is None else round(value, DECIMALS)


def percent(rate: float | None) -> float | None:
    """A share 0-1 as a percentage with one decimal."""
    return None if rate is None else round(rate * 100, DECIMALS)


# What each column means, for the XLSX "Definitions" sheet: a metric's slug (its formula from
# metrics.definitions, with its unit and version) or a plain sentence. Time columns are
# matched without their zone suffix.
MEANINGS: dict[str, str] = {
    "Reference": "The ticket's reference (FL- and its number), as shown in Frontline.",
    "Subject": "The ticket's subject as the requester (or the agent) wrote it.",
    "Status": "The ticket's status now: New, Open, Pending, On hold, Solved or Closed.",
    "Priority": "The ticket's priority now: Low, Normal, High or Urgent.",
    "Category": "The ticket's category now.",
    "Channel": "How the ticket came in: web form, email, API, or opened by an agent.",
    "Team": "The team that owns the ticket now (or the agent's team).",
    "Vendor": "The team's vendor (in-house or a BPO partner).",
    "Assignee": "The agent the ticket is assigned to now, by name.",
    "Requester email": "The requester's e-mail address (only for viewers cleared for PII).",
    "Created": "created",
    "First reply": "When the first public agent reply was written (see first reply time).",
    "Solved": "When the ticket was (last) solved.",
    "Closed": "When the ticket was closed.",
    "Reopens": "reopens",
    "First reply (min)": "first-reply-time",
    "Full resolution (min)": "full-resolution-time",
    "Agent": "The agent, by name; (unassigned) gathers tickets with no assignee.",
    "Created tickets": "created",
    "Solved tickets": "solved",
    "First reply p50 (min)": "first-reply-time",
    "First reply p90 (min)": "first-reply-time",
    "First reply mean (min)": "first-reply-time",
    "Resolution p50 (min)": "full-resolution-time",
    "Reopen rate (%)": "reopens",
    "One-touch rate (%)": "one-touch",
    "SLA achieved (%)": "sla-achievement",
    "QA mean": "qa-score",
    "QA reviews": "Number of submitted QA reviews counted in the period.",
    "Ticket": "The reviewed ticket's reference.",
    "Associate": "The reviewed associate, by name.",
    "Reviewer": "Who scored the review, by name.",
    "Scorecard": "The scorecard the review used.",
    "Version": "The scorecard's version.",
    "Score": "qa-score",
    "Auto-fail": "yes when an auto-fail criterion failed (the score is then 0).",
    "Response": "The associate's response to the review (accepted or disputed), if any.",
    "Submitted": "When the review was submitted.",
    "Comment": "The reviewer's comment.",
    "Day (UTC)": "The UTC day the figures count on.",
    "Tickets handled": "handle-time",
    "Handle time (min)": "handle-time",
    "Per ticket (min)": "handle-time",
}


def meaning(column: str) -> str:
    """What a column means, in words (its metric's formula, unit and version when it is one)."""
    base = column.split(" (UTC, ISO")[0]
    text = MEANINGS.get(column) or MEANINGS.get(base) or MEANINGS.get(column.rsplit(" (", 1)[0])
    if text is None:
        return ""
    definition = BY_SLUG.get(text)
    if definition is None:
        return text
    return f"{definition.name} ({definition.unit}, v{definition.version}): {definition.formula}"


def definitions(header: list[str], times: Times) -> list[tuple[str, str]]:
    """(column, meaning) for each column, then how times are written."""
    rows = [(column, meaning(column)) for column in header]
    if times.utc_iso:
        note = "Times are UTC, written as ISO 8601 text (YYYY-MM-DDTHH:MM:SSZ)."
    else:
        note = (
            f"Times are in {times.zone or times.tz.tzname(None)}, the time zone of the person "
            "who exported (written as spreadsheet dates, to the second)."
        )
    return [*rows, ("Times", note)]
