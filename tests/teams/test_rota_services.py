"""Rota writes (who may edit) and the team's agents-on-shift-per-hour selector."""

from datetime import UTC, date, datetime, time

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from teams.models import Agent, Role, ShiftException
from teams.selectors import agent_on_shift, team_on_shift_per_hour
from teams.services import shift_exception_add, shift_template_set, time_off_add
from tests.factories import AgentFactory, ShiftTemplateFactory, TeamFactory

pytestmark = pytest.mark.django_db


def utc(*args):
    return datetime(*args, tzinfo=UTC)


@pytest.fixture
def team():
    return TeamFactory(time_zone="Europe/Warsaw")


@pytest.fixture
def lead(team):
    agent = AgentFactory(role=Role.LEAD, team=team)
    team.lead = agent.user
    team.save()
    return agent


def test_lead_moves_a_shift_and_the_hourly_count_follows(team, lead):
    associate = AgentFactory(team=team, time_zone="Europe/Warsaw")
    shift = ShiftTemplateFactory(agent=associate, weekday=0, start=time(9), end=time(17))
    start = utc(2026, 11, 23, 7)  # Monday 08:00 in Warsaw
    before = [h.agents for h in team_on_shift_per_hour(team=team, start=start, hours=12)]
    assert before == [0] + [1] * 8 + [0] * 3

    shift_template_set(
        by=lead.user, agent=associate, template=shift, weekday=0, start=time(12), end=time(20)
    )
    after = [h.agents for h in team_on_shift_per_hour(team=team, start=start, hours=12)]
    assert after == [0] * 4 + [1] * 8


def test_hourly_count_skips_members_on_leave_and_spans_seven_days_by_default(team):
    on = AgentFactory(team=team, time_zone="UTC")
    away = AgentFactory(team=team, time_zone="UTC", status=Agent.Status.ON_LEAVE)
    for agent in (on, away):
        for day in range(7):
            ShiftTemplateFactory(agent=agent, weekday=day, start=time(0), end=time(12))
    with time_machine.travel(utc(2026, 11, 25, 10, 30), tick=False):
        rows = team_on_shift_per_hour(team=team)
    assert len(rows) == 168
    assert rows[0].start == utc(2026, 11, 25, 10)
    assert max(h.agents for h in rows) == 1
    assert sum(h.staffed_hours for h in rows) == 2 + 6 * 12 + 10  # Wed 10:00 to next Wed 10:00


def test_associate_may_not_edit_a_colleagues_shift(team):
    associate = AgentFactory(team=team)
    other = AgentFactory(team=team)
    with pytest.raises(PermissionDenied):
        shift_template_set(by=associate.user, agent=other, weekday=1, start=time(9), end=time(17))


def test_lead_of_another_team_may_not_edit(team):
    other_team = TeamFactory()
    other_lead = AgentFactory(role=Role.LEAD, team=other_team)
    associate = AgentFactory(team=team)
    with pytest.raises(PermissionDenied):
        time_off_add(
            by=other_lead.user,
            agent=associate,
            start_date=date(2026, 12, 1),
            end_date=date(2026, 12, 2),
        )


def test_admin_may_edit_any_schedule(team):
    admin = AgentFactory(role=Role.ADMIN, team=None)
    associate = AgentFactory(team=team)
    shift_template_set(by=admin.user, agent=associate, weekday=2, start=time(22), end=time(6))
    assert associate.shift_templates.get().crosses_midnight


def test_bad_times_are_rejected_with_a_message(team, lead):
    associate = AgentFactory(team=team)
    with pytest.raises(ValidationError, match="same time"):
        shift_template_set(by=lead.user, agent=associate, weekday=0, start=time(9), end=time(9))
    with pytest.raises(ValidationError, match="end on or after"):
        time_off_add(
            by=lead.user, agent=associate, start_date=date(2026, 12, 2), end_date=date(2026, 12, 1)
        )
    ShiftTemplateFactory(agent=associate, weekday=0, start=time(9))
    with pytest.raises(ValidationError, match="already has a shift"):
        shift_template_set(by=lead.user, agent=associate, weekday=0, start=time(9), end=time(13))


def test_exceptions_and_time_off_change_on_shift_now(team, lead):
    associate = AgentFactory(team=team, time_zone="UTC")
    ShiftTemplateFactory(agent=associate, weekday=2, start=time(9), end=time(17))  # Wednesday
    at = utc(2026, 11, 25, 10)
    with time_machine.travel(at, tick=False):
        assert agent_on_shift(agent=associate)
        shift_exception_add(
            by=lead.user,
            agent=associate,
            day=date(2026, 11, 25),
            start=time(13),
            end=time(21),
            kind=ShiftException.Kind.CHANGED,
        )
        assert not agent_on_shift(agent=Agent.objects.get(pk=associate.pk))
        assert agent_on_shift(agent=associate, at=utc(2026, 11, 25, 14))
        time_off_add(
            by=lead.user,
            agent=associate,
            start_date=date(2026, 11, 25),
            end_date=date(2026, 11, 25),
        )
        assert not agent_on_shift(agent=associate, at=utc(2026, 11, 25, 14))
