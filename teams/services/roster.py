"""Roster import: all rows or none."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction

from .. import roster_csv
from ..models import Agent, Role, Team
from ..permissions import can_assign_roles, can_edit_team, can_import_roster
from .people import agent_create, agent_set_role, record_access_changes
from .rota import shift_templates_replace

User = get_user_model()


@dataclass
class RosterResult:
    """What an import did (or, on a dry run, would do)."""

    rows: list[roster_csv.RosterRow]
    created: int = 0
    updated: int = 0
    dry_run: bool = True

    @property
    def errors(self) -> list[roster_csv.RosterRow]:
        return [r for r in self.rows if r.errors]

    @property
    def ok(self) -> bool:
        return not self.errors


class RosterInvalid(Exception):
    """The file has row errors; nothing was imported."""

    def __init__(self, result: RosterResult):
        super().__init__(f"{len(result.errors)} row(s) have errors; nothing was imported.")
        self.result = result


def _check_rows(by, rows: list[roster_csv.RosterRow]) -> None:
    if by is None:
        return
    may_assign_roles = can_assign_roles(by)
    for row in rows:
        if row.team is not None and not can_edit_team(by, row.team):
            row.errors.append(f"you may not add people to {row.team}")
        if row.role and row.role != Role.ASSOCIATE and not may_assign_roles:
            row.errors.append("only admins import roles other than associate")
        existing = Agent.objects.filter(user__email__iexact=row.email).select_related("team")
        for agent in existing:
            if agent.team is not None and not can_edit_team(by, agent.team):
                row.errors.append(f"{row.email} belongs to a team you may not edit")


def roster_import(*, by, text: str, dry_run: bool) -> RosterResult:
    """Check a roster CSV and, unless `dry_run`, create or update every person in it (matched
    by email) with their weekly shifts replaced by the row's pattern — in one transaction,
    so one bad row imports nothing. Raises RosterInvalid (with the per-row errors) when a
    real import has errors; a dry run returns them. `by` None means the system (command)."""
    if by is not None and not can_import_roster(by):
        raise PermissionDenied("Only leads and admins import rosters.")
    teams: dict[str, Team] = {}
    for team in Team.objects.all():
        teams[team.slug.lower()] = teams[team.name.lower()] = team
    roles = {r.value: r.value for r in Role} | {r.label.lower(): r.value for r in Role}
    rows = roster_csv.read_rows(text, teams=teams, roles=roles)
    _check_rows(by, rows)
    result = RosterResult(rows=rows, dry_run=dry_run)
    existing = {
        a.user.email.lower(): a
        for a in Agent.objects.select_related("user").filter(
            user__email__in=[r.email for r in rows]
        )
    }
    result.updated = sum(1 for r in rows if r.email in existing)
    result.created = len(rows) - result.updated
    if dry_run:
        return result
    if not result.ok:
        raise RosterInvalid(result)
    with transaction.atomic():
        for row in rows:
            _apply(row, existing.get(row.email), by)
    return result


def _apply(row: roster_csv.RosterRow, agent: Agent | None, by) -> None:
    if agent is None:
        username = row.email
        agent = agent_create(
            username=username,
            email=row.email,
            role=row.role,
            team=row.team,
            first_name=row.first_name,
            last_name=row.last_name,
            by=by,
            skills=row.skills,
            time_zone=row.time_zone,
        )
    else:
        before = {"clearance": agent.clearance, "team": agent.team}
        agent.team = row.team
        agent.skills, agent.time_zone = row.skills, row.time_zone
        agent.save(update_fields=["team", "skills", "time_zone"])
        record_access_changes(by, agent, before)
        agent.user.first_name, agent.user.last_name = row.first_name, row.last_name
        agent.user.save(update_fields=["first_name", "last_name"])
        if agent.role != row.role:
            agent_set_role(agent=agent, role=row.role, by=by)
    shift_templates_replace(by=None, agent=agent, shifts=row.shifts)
