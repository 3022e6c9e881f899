"""The one translation of an access scope to rows (teams.permissions.scope_filter and
scope_parts): for each role and scope, the tickets and rollup rows a user would expect to see.

One world: an in-house vendor with teams North and South, a BPO partner with teams East and
West, and in every team a ticket of each sensitivity (none, sensitive, restricted).
"""

from __future__ import annotations

import datetime

import pytest

from metrics.models import DailyAgentRollup, DailyRollup
from teams.models import Role, Sensitivity, Team, Vendor
from teams.permissions import ScopedFields, scope_filter, scope_for, scope_parts
from tests.factories import (
    AgentFactory,
    CategoryFactory,
    TeamFactory,
    TicketFactory,
    UserFactory,
    VendorFactory,
)
from tickets.models import Category, Ticket
from tickets.querysets import TEAM_TICKET_FIELDS, TICKET_FIELDS

pytestmark = pytest.mark.django_db

LEVELS = (Sensitivity.NONE, Sensitivity.SENSITIVE, Sensitivity.RESTRICTED)
DAY = datetime.date(2026, 11, 30)


@pytest.fixture
def world():
    house = VendorFactory(slug="house", kind=Vendor.Kind.IN_HOUSE)
    bpo = VendorFactory(slug="partner", kind=Vendor.Kind.BPO)
    teams = {
        "north": TeamFactory(slug="north", vendor=house),
        "south": TeamFactory(slug="south", vendor=house),
        "east": TeamFactory(slug="east", vendor=bpo),
        "west": TeamFactory(slug="west", vendor=bpo),
    }
    categories = {s: CategoryFactory(slug=f"cat-{s}", sensitivity=s) for s in LEVELS}
    tickets = {
        (team, s): TicketFactory(team=t, category=categories[s], subject=f"{team} {s}")
        for team, t in teams.items()
        for s in LEVELS
    }
    for (team, s), ticket in tickets.items():
        DailyRollup.objects.create(
            day=DAY, team=teams[team], category=ticket.category, channel="email", created=1
        )
        DailyAgentRollup.objects.create(day=DAY, team=teams[team], sensitivity=s, created=1)
    return {"teams": teams, "categories": categories, "tickets": tickets}


def _person(world, role, team=None, clearance=Sensitivity.NONE):
    team_obj = world["teams"][team] if team else None
    agent = AgentFactory(role=role, team=team_obj, clearance=clearance)
    return type(agent.user).objects.get(pk=agent.user.pk)  # as the next request loads it


def _seen(world, qs) -> set[tuple[str, str]]:
    names = {t.pk: key for key, t in world["tickets"].items()}
    return {names[pk] for pk in qs.values_list("pk", flat=True) if pk in names}


def _expected(teams, levels) -> set[tuple[str, str]]:
    return {(team, s) for team in teams for s in levels}


def _tickets(world, user):
    return _seen(world, scope_filter(Ticket.objects.all(), scope_for(user), TICKET_FIELDS))


ALL = ("north", "south", "east", "west")
UP_TO_SENSITIVE = (Sensitivity.NONE, Sensitivity.SENSITIVE)


@pytest.mark.parametrize(
    ("role", "team", "clearance", "teams", "levels"),
    [
        # Admins see every team and every sensitivity, whatever their own clearance field.
        (Role.ADMIN, None, Sensitivity.NONE, ALL, LEVELS),
        # An in-house QA analyst looks across every vendor, within clearance.
        (Role.QA_ANALYST, None, Sensitivity.SENSITIVE, ALL, UP_TO_SENSITIVE),
        # A QA analyst at the partner: only the partner's teams.
        (Role.QA_ANALYST, "east", Sensitivity.SENSITIVE, ("east", "west"), UP_TO_SENSITIVE),
        # An associate: their own team, within clearance.
        (Role.ASSOCIATE, "north", Sensitivity.NONE, ("north",), (Sensitivity.NONE,)),
        (Role.ASSOCIATE, "east", Sensitivity.SENSITIVE, ("east",), UP_TO_SENSITIVE),
        (Role.ASSOCIATE, "south", Sensitivity.RESTRICTED, ("south",), LEVELS),
        # A lead or manager without teams they lead or manage: their own team.
        (Role.LEAD, "south", Sensitivity.RESTRICTED, ("south",), LEVELS),
        (Role.MANAGER, None, Sensitivity.SENSITIVE, (), ()),
    ],
)
def test_each_role_sees_the_tickets_of_its_scope(world, role, team, clearance, teams, levels):
    user = _person(world, role, team, clearance)
    assert _tickets(world, user) == _expected(teams, levels)


def test_a_lead_sees_the_teams_they_lead_besides_their_own(world):
    lead = _person(world, Role.LEAD, "north", Sensitivity.SENSITIVE)
    Team.objects.filter(slug="south").update(lead=lead)
    assert _tickets(world, lead) == _expected(("north", "south"), UP_TO_SENSITIVE)


def test_a_manager_sees_the_teams_they_manage(world):
    manager = _person(world, Role.MANAGER, None, Sensitivity.RESTRICTED)
    Team.objects.filter(slug__in=["north", "east"]).update(manager=manager)
    assert _tickets(world, manager) == _expected(("north", "east"), LEVELS)


def test_a_vendor_limited_lead_does_not_see_another_vendors_team_even_if_named_its_lead(world):
    lead = _person(world, Role.LEAD, "east", Sensitivity.SENSITIVE)
    Team.objects.filter(slug__in=["west", "south"]).update(lead=lead)  # south: in-house
    assert _tickets(world, lead) == _expected(("east", "west"), UP_TO_SENSITIVE)


def test_an_uncleared_associate_does_not_see_restricted_or_sensitive_tickets(world):
    associate = _person(world, Role.ASSOCIATE, "north", Sensitivity.NONE)
    seen = _tickets(world, associate)
    assert ("north", Sensitivity.RESTRICTED) not in seen
    assert ("north", Sensitivity.SENSITIVE) not in seen
    assert ("north", Sensitivity.NONE) in seen


def test_tickets_assigned_to_an_associate_in_another_team_are_theirs_within_clearance(world):
    associate = _person(world, Role.ASSOCIATE, "north", Sensitivity.SENSITIVE)
    for s in LEVELS:
        world["tickets"][("west", s)].assignee = associate
        world["tickets"][("west", s)].save(update_fields=["assignee"])
    seen = _tickets(world, associate)
    assert seen == _expected(("north",), UP_TO_SENSITIVE) | _expected(("west",), UP_TO_SENSITIVE)
    assigned = scope_filter(
        Ticket.objects.all(), scope_for(associate), TICKET_FIELDS, assigned_only=True
    )
    assert _seen(world, assigned) == _expected(("west",), UP_TO_SENSITIVE)
    # Without the assignee field (the team's backlog), only their team's tickets.
    in_teams = scope_filter(Ticket.objects.all(), scope_for(associate), TEAM_TICKET_FIELDS)
    assert _seen(world, in_teams) == _expected(("north",), UP_TO_SENSITIVE)


def test_someone_without_a_staff_role_sees_nothing(world):
    user = UserFactory()
    assert not scope_filter(Ticket.objects.all(), scope_for(user), TICKET_FIELDS).exists()
    assert not scope_filter(DailyRollup.objects.all(), scope_for(user), ScopedFields()).exists()


@pytest.mark.parametrize(
    ("role", "team", "clearance"),
    [
        (Role.ADMIN, None, Sensitivity.RESTRICTED),
        (Role.QA_ANALYST, None, Sensitivity.SENSITIVE),
        (Role.QA_ANALYST, "west", Sensitivity.RESTRICTED),
        (Role.LEAD, "east", Sensitivity.SENSITIVE),
        (Role.ASSOCIATE, "north", Sensitivity.NONE),
    ],
)
def test_rollups_follow_the_same_scope_as_tickets(world, role, team, clearance):
    """Fine rollups (through the category) and agent rollups (carrying the sensitivity) give
    the viewer the same teams and sensitivities as their tickets."""
    user = _person(world, role, team, clearance)
    scope = scope_for(user)
    tickets = _tickets(world, user)
    fine = scope_filter(DailyRollup.objects.all(), scope, ScopedFields())
    coarse = scope_filter(
        DailyAgentRollup.objects.all(), scope, ScopedFields(sensitivity="sensitivity")
    )
    slug = {t.pk: key for key, t in world["teams"].items()}
    assert {(slug[r.team_id], r.category.sensitivity) for r in fine} == tickets
    assert {(slug[r.team_id], r.sensitivity) for r in coarse} == tickets
    assert set(DailyRollup.objects.visible_to(user)) == set(fine)
    assert set(DailyAgentRollup.objects.visible_to(user)) == set(coarse)


def test_rows_of_no_team_are_filtered_by_clearance_alone(world):
    associate = _person(world, Role.ASSOCIATE, "north", Sensitivity.SENSITIVE)
    categories = scope_filter(
        Category.objects.all(),
        scope_for(associate),
        ScopedFields(team=None, sensitivity="sensitivity"),
    )
    assert {c.sensitivity for c in categories} == set(UP_TO_SENSITIVE)


def test_a_scope_cleared_for_everything_reads_tickets_without_joining_categories(world):
    admin = _person(world, Role.ADMIN)
    lead = _person(world, Role.LEAD, "north", Sensitivity.SENSITIVE)
    everything = scope_filter(Ticket.objects.all(), scope_for(admin), TICKET_FIELDS)
    cleared = scope_filter(Ticket.objects.all(), scope_for(lead), TICKET_FIELDS)
    assert "tickets_category" not in str(everything.query)
    assert "tickets_category" in str(cleared.query)


@pytest.mark.parametrize(
    ("role", "team", "clearance"),
    [
        (Role.LEAD, "east", Sensitivity.SENSITIVE),
        (Role.ASSOCIATE, "north", Sensitivity.NONE),
        (Role.QA_ANALYST, "west", Sensitivity.RESTRICTED),
        (Role.ADMIN, None, Sensitivity.RESTRICTED),
    ],
)
def test_the_hot_shapes_show_the_same_rows_as_the_plain_scope(world, role, team, clearance):
    """teams_as_subquery, vendor_join=False (for scopes scope_for builds) and the disjoint
    parts of scope_parts are speed shapes: the same tickets, each once."""
    user = _person(world, role, team, clearance)
    Team.objects.filter(slug="west").update(lead=user)
    other = world["tickets"][("south", Sensitivity.NONE)]
    other.assignee = user
    other.save(update_fields=["assignee"])
    scope = scope_for(user)
    plain = set(
        scope_filter(Ticket.objects.all(), scope, TICKET_FIELDS).values_list("pk", flat=True)
    )
    sub = scope_filter(Ticket.objects.all(), scope, TICKET_FIELDS, teams_as_subquery=True)
    assert set(sub.values_list("pk", flat=True)) == plain
    no_join = scope_filter(Ticket.objects.all(), scope, TICKET_FIELDS, vendor_join=False)
    assert set(no_join.values_list("pk", flat=True)) == plain
    parts = [
        list(p.values_list("pk", flat=True))
        for p in scope_parts(Ticket.objects.all(), scope, TICKET_FIELDS)
    ]
    merged = [pk for part in parts for pk in part]
    assert sorted(merged) == sorted(plain)  # all of the scope, nothing twice
