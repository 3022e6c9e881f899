"""A scope as a filter: the one translation of an access scope (teams.permissions.Scope) to
the rows of any model, given where that model keeps its team, sensitivity and assignee."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import connections
from django.db.models import Q, QuerySet

from ..models import Team

if TYPE_CHECKING:  # the package's __init__ defines Scope and imports this module
    from . import Scope


@dataclass(frozen=True)
class ScopedFields:
    """Where one model's rows keep what a scope decides on, as filter() paths. The app whose
    rows are filtered declares these once beside its queryset; the rule is scope_filter's.

    team: the foreign key to Team, or None for rows of no team (only clearance applies).
    sensitivity: the category's sensitivity, read through a relation ("category__sensitivity")
        or a column the row carries itself ("sensitivity", as rollups do).
    assignee: the foreign key to the user working the row, or None. Rows assigned to the
        viewer are theirs to see whatever their team (tickets)."""

    team: str | None = "team"
    sensitivity: str = "category__sensitivity"
    assignee: str | None = None


def scope_filter(
    queryset: QuerySet,
    scope: Scope,
    fields: ScopedFields,
    *,
    teams_as_subquery: bool = False,
    vendor_join: bool = True,
    assigned_only: bool = False,
) -> QuerySet:
    """The rows of `queryset` that `scope` may see: the one translation of a scope to rows.

    - No staff role: nothing.
    - Teams: every team, or the row's team among the scope's teams; a row assigned to the
      viewer passes whatever its team.
    - Vendor: a vendor-limited scope (a BPO partner's people) also needs the team's vendor
      (or the row assigned to the viewer). scope_for draws such a scope's teams from its
      vendor alone, so this is a second lock; `vendor_join=False` leaves it out for reads
      that must not join the teams table (a count read from one index).
    - Clearance: the row's sensitivity among those the scope is cleared for. Cleared for
      every sensitivity, a condition read through a relation is left out: it would cost a
      join to keep every row that has a category. A column the row carries keeps it (it is
      free, and leaves out rows of no category, whose sensitivity is blank).

    Shapes for hot reads, where the SQL is what makes them fast:
    - teams_as_subquery names the teams through a subquery, for reads led by a narrow time
      window: PostgreSQL would otherwise AND the window's index with the team index, which
      at a million tickets means reading every ticket id the team ever had.
    - assigned_only keeps only the rows assigned to the viewer. They pass the team and
      vendor conditions, so only clearance is left: no OR that would have the database read
      the whole team's index to count a handful of rows."""
    if scope.role is None:
        return queryset.none()
    mine = Q(**{f"{fields.assignee}_id": scope.user_id}) if fields.assignee else None
    qs = queryset
    if assigned_only:
        if mine is None:
            raise ValueError("assigned_only needs the rows' assignee field")
        qs = qs.filter(mine)
    elif fields.team is not None:
        if not scope.all_teams:
            teams = sorted(scope.team_ids)
            if teams_as_subquery:
                teams = Team.objects.filter(pk__in=scope.team_ids).values("pk")
            qs = qs.filter(_or_mine(Q(**{f"{fields.team}_id__in": teams}), mine))
        if scope.vendor_id is not None and vendor_join:
            qs = qs.filter(_or_mine(Q(**{f"{fields.team}__vendor_id": scope.vendor_id}), mine))
    if scope.every_sensitivity and "__" in fields.sensitivity:
        return qs
    return qs.filter(**{f"{fields.sensitivity}__in": scope.sensitivities})


def scope_parts(queryset: QuerySet, scope: Scope, fields: ScopedFields) -> list[QuerySet]:
    """`scope_filter(queryset, scope, fields)` cut into disjoint parts that each follow one
    index: one part per team in scope and one for the rows assigned to the viewer in other
    teams (a scope over every team, or a database that cannot order and limit each part of a
    UNION, is one part). Each part is the scope's rows narrowed further, so the parts never
    show more than the scope; together they show all of it, because the scope only admits
    rows of its teams or assigned to the viewer.

    For pages that read the first rows in an order (tickets.pagination.paginate): the
    database walks each part's index in that order and stops, where the OR of the scope
    would make it sort every matching row."""
    visible = scope_filter(queryset, scope, fields)
    features = connections[queryset.db].features
    if (
        scope.role is None
        or scope.all_teams
        or fields.team is None
        or not features.supports_slicing_ordering_in_compound
    ):
        return [visible]
    team_id = f"{fields.team}_id"
    parts = [visible.filter(**{team_id: pk}) for pk in sorted(scope.team_ids)]
    if fields.assignee is None:
        return parts or [visible]
    # assigned_only: the scope's team-or-assignee OR would have the database walk the team's
    # index as well as the assignee's.
    assigned = scope_filter(queryset, scope, fields, assigned_only=True)
    return [*parts, assigned.filter(_team_not_in(scope.team_ids, team_id=team_id))]


def _or_mine(q: Q, mine: Q | None) -> Q:
    return q if mine is None else q | mine


def _team_not_in(team_ids, *, team_id: str = "team_id") -> Q:
    """No team, or a team outside `team_ids`, written as the ranges between them: an index on
    (assignee, team) answers it from its entries (tickets' ticket_assignee_team), where NOT
    IN would have the database read every row of the assignee to look at its team."""
    ids = sorted(team_ids)
    if not ids:
        return Q()
    q = (
        Q(**{f"{team_id}__isnull": True})
        | Q(**{f"{team_id}__lt": ids[0]})
        | Q(**{f"{team_id}__gt": ids[-1]})
    )
    for low, high in zip(ids, ids[1:], strict=False):
        if high > low + 1:
            q |= Q(**{f"{team_id}__gt": low, f"{team_id}__lt": high})
    return q
