"""teams_on_shift: the cached "has this team anyone on shift now?" that routing asks for each
new ticket. Exact at any instant, and never stale after a rota or agent edit."""

import datetime as dt
from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from teams.models import Agent, ShiftException, TimeOff
from teams.selectors import agents_on_shift, rotas_prefetched, teams_on_shift
from teams.services import shift_exception_add, shift_template_delete, time_off_add
from tests.factories import AgentFactory, ShiftTemplateFactory, TeamFactory

pytestmark = pytest.mark.django_db
MONDAY = dt.date(2026, 3, 2)


def at(hour, minute=0, second=0, day=MONDAY):
    return datetime.combine(day, dt.time(hour, minute, second), tzinfo=UTC)


@pytest.fixture
def team(db):
    return TeamFactory()


@pytest.fixture
def agent(team):
    return AgentFactory(team=team)


def on(team, when):
    return team.pk in teams_on_shift(team_ids=[team.pk], at=when)


def test_answer_is_exact_to_the_second_within_the_cached_hour(team, agent):
    ShiftTemplateFactory(agent=agent, weekday=0, start=dt.time(9, 0, 30), end=dt.time(9, 40))
    assert not on(team, at(9, 0, 10))
    assert on(team, at(9, 0, 30))
    assert on(team, at(9, 39, 59))
    assert not on(team, at(9, 40))


def test_warm_answer_costs_no_query(team, agent):
    ShiftTemplateFactory(agent=agent, weekday=0, start=dt.time(8), end=dt.time(16))
    other = TeamFactory()
    assert teams_on_shift(team_ids=[team.pk, other.pk], at=at(10)) == {team.pk}
    with CaptureQueriesContext(connection) as queries:
        assert teams_on_shift(team_ids=[team.pk, other.pk], at=at(10, 59)) == {team.pk}
    assert len(queries) == 0


def test_cold_answer_does_not_grow_with_members_or_teams(team):
    for _ in range(3):
        ShiftTemplateFactory(agent=AgentFactory(team=team), weekday=0)
    few = TeamFactory()
    AgentFactory(team=few)
    with CaptureQueriesContext(connection) as queries:
        teams_on_shift(team_ids=[team.pk, few.pk], at=at(10))
    assert len(queries) == 4  # members, their weekly shifts, exceptions, time off


def test_a_shift_added_or_removed_mid_hour_is_seen_at_once(team, agent):
    assert not on(team, at(10))
    shift = ShiftTemplateFactory(agent=agent, weekday=0, start=dt.time(8), end=dt.time(16))
    assert on(team, at(10, 1))
    shift_template_delete(by=None, template=shift)
    assert not on(team, at(10, 2))


def test_exceptions_and_time_off_are_seen_at_once(team, agent):
    ShiftTemplateFactory(agent=agent, weekday=0, start=dt.time(8), end=dt.time(16))
    assert on(team, at(10))
    shift_exception_add(
        by=None, agent=agent, day=MONDAY, start=dt.time(18), end=dt.time(22),
        kind=ShiftException.Kind.CHANGED,
    )  # fmt: skip
    assert not on(team, at(10))
    ShiftException.objects.filter(agent=agent).delete()
    assert on(team, at(10))
    time_off_add(by=None, agent=agent, start_date=MONDAY, end_date=MONDAY)
    assert not on(team, at(10))
    TimeOff.objects.filter(agent=agent).delete()
    assert on(team, at(10))


def test_agent_status_team_and_time_zone_changes_are_seen_at_once(team, agent):
    ShiftTemplateFactory(agent=agent, weekday=0, start=dt.time(8), end=dt.time(16))
    assert on(team, at(10))
    agent.status = Agent.Status.ON_LEAVE
    agent.save(update_fields=["status"])
    assert not on(team, at(10))
    agent.status = Agent.Status.ACTIVE
    agent.save()
    assert on(team, at(10))
    agent.time_zone = "America/Los_Angeles"  # 08:00-16:00 there is 16:00-00:00 UTC
    agent.save()
    assert not on(team, at(10))
    assert on(team, at(17))
    elsewhere = TeamFactory()
    agent.team = elsewhere
    agent.save()
    assert not on(team, at(17))
    assert on(elsewhere, at(17))
    agent.user.delete()
    assert not on(elsewhere, at(17))


def test_deleting_a_team_moves_its_answer(team, agent):
    ShiftTemplateFactory(agent=agent, weekday=0, start=dt.time(8), end=dt.time(16))
    assert on(team, at(10))
    team_id = team.pk
    team.delete()  # members keep their rota but belong to no team
    assert teams_on_shift(team_ids=[team_id], at=at(10)) == set()


def test_presence_changes_keep_the_cached_answer(team, agent):
    ShiftTemplateFactory(agent=agent, weekday=0, start=dt.time(8), end=dt.time(16))
    assert on(team, at(10))
    agent.presence = "available"
    agent.save(update_fields=["presence"])
    with CaptureQueriesContext(connection) as queries:
        assert on(team, at(10))
    assert len(queries) == 0


def test_agrees_with_building_every_rota_across_a_week(team):
    """Night shifts, a DST change in one zone, an extra shift and a day off: hour by hour the
    cached answer is what building each member's rota says."""
    berlin = AgentFactory(team=team, time_zone="Europe/Berlin")
    night = AgentFactory(team=team, time_zone="America/New_York")
    ShiftTemplateFactory(agent=berlin, weekday=4, start=dt.time(9), end=dt.time(12, 30))
    ShiftTemplateFactory(agent=berlin, weekday=0, start=dt.time(9), end=dt.time(12, 30))
    ShiftTemplateFactory(agent=night, weekday=5, start=dt.time(22), end=dt.time(6, 15))
    ShiftTemplateFactory(agent=night, weekday=6, start=dt.time(22), end=dt.time(6, 15))
    shift_exception_add(
        by=None, agent=berlin, day=dt.date(2026, 3, 8), start=dt.time(1), end=dt.time(3),
        kind=ShiftException.Kind.EXTRA,
    )  # fmt: skip
    off = dt.date(2026, 3, 9)
    time_off_add(by=None, agent=berlin, start_date=off, end_date=off)
    start = datetime(2026, 3, 6, tzinfo=UTC)  # New York moves its clocks on Sunday March 8
    for quarter in range(4 * 24 * 4):
        when = start + dt.timedelta(minutes=15 * quarter)
        members = rotas_prefetched(
            Agent.objects.filter(team=team), since=when.date() - dt.timedelta(days=3)
        )
        expected = bool(agents_on_shift(agents=members, at=when))
        assert on(team, when) is expected, when
