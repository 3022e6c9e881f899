"""Checks of parsed rows against the database: the teams and agents they name exist, and
which rows were imported before (by external id), so importing a file twice changes nothing."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from teams.models import Team

from ...models import Ticket
from .parsing import ParsedRow
from .report import ImportResult, RowError


def reference_errors(
    rows: list[ParsedRow], *, teams: dict[str, Team], agents: dict
) -> list[RowError]:
    """A RowError for each row naming a team or an agent that does not exist."""
    errors = []
    for row in rows:
        if row.team and row.team not in teams:
            errors.append(RowError(row.line, f"team {row.team!r} does not exist in Frontline"))
    for row in rows:
        if row.agent and row.agent not in agents:
            errors.append(RowError(row.line, f"agent {row.agent!r} does not exist"))
    return errors


def agents_by_key(keys: set[str]) -> dict:
    """Existing users by the username or email the file names."""
    users = get_user_model().objects
    found = {}
    for key in keys:
        user = users.filter(username=key).first() or users.filter(email__iexact=key).first()
        if user is not None:
            found[key] = user
    return found


def rows_not_imported(rows: list[ParsedRow], result: ImportResult) -> list[ParsedRow]:
    """The rows whose external id is not imported yet (first occurrence in the file)."""
    seen = set(
        Ticket.objects.filter(custom_fields__has_key="import_id").values_list(
            "custom_fields__import_id", flat=True
        )
    )
    out = []
    for r in rows:
        if r.external_id:
            if r.external_id in seen:
                result.already_imported += 1
                continue
            seen.add(r.external_id)
        out.append(r)
    return out
