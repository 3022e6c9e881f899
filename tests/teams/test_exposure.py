"""Exposure log: recorded by a teams service, counted per hour/shift/week, stepping out."""

from datetime import UTC, datetime, time, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from teams.models import ExposureEntry, Role
from teams.selectors import (
    agent_may_take_sensitive,
    exposure_count,
    exposure_count_this_shift,
    exposure_opted_out,
    exposure_per_hour,
    rotas_prefetched,
    team_exposure,
)
from teams.services import exposure_opt_out, exposure_record
from tests.factories import AgentFactory, ShiftTemplateFactory, TeamFactory

pytestmark = pytest.mark.django_db

MONDAY = datetime(2026, 11, 23, tzinfo=UTC)


def at(hour, minute=0):
    return MONDAY + timedelta(hours=hour, minutes=minute)


@pytest.fixture
def agent():
    a = AgentFactory(time_zone="UTC")
    ShiftTemplateFactory(agent=a, weekday=0, start=time(9), end=time(17))
    return a


def test_only_sensitive_tickets_are_recorded_once_per_handling(agent):
    assert exposure_record(user=agent.user, ticket_id=1, sensitivity="none", at=at(9)) is None
    first = exposure_record(user=agent.user, ticket_id=2, sensitivity="sensitive", at=at(9))
    again = exposure_record(user=agent.user, ticket_id=2, sensitivity="sensitive", at=at(10))
    assert again == first
    exposure_record(
        user=agent.user, ticket_id=2, sensitivity="sensitive", at=at(9) + timedelta(days=1)
    )
    assert ExposureEntry.objects.filter(user=agent.user).count() == 2
    with pytest.raises(ValidationError):
        exposure_record(user=agent.user, ticket_id=3, sensitivity="gory")


def test_counts_per_hour_shift_and_week(agent):
    exposure_record(
        user=agent.user, ticket_id=1, sensitivity="sensitive", at=at(8, 50)
    )  # before shift
    exposure_record(user=agent.user, ticket_id=2, sensitivity="restricted", at=at(9, 10))
    exposure_record(user=agent.user, ticket_id=3, sensitivity="sensitive", at=at(9, 40))
    exposure_record(user=agent.user, ticket_id=4, sensitivity="sensitive", at=at(10, 5))
    per_hour = exposure_per_hour(users=[agent.user_id], start=MONDAY, end=at(24))
    assert per_hour == {
        (agent.user_id, at(8)): 1,
        (agent.user_id, at(9)): 2,
        (agent.user_id, at(10)): 1,
    }
    assert exposure_count_this_shift(agent=agent, at=at(12)) == 3
    assert exposure_count(user=agent.user, start=MONDAY, end=at(24 * 7)) == {
        "sensitive": 3,
        "restricted": 1,
        "total": 4,
    }


def test_stepping_out_lasts_until_the_end_of_the_shift(agent):
    out = exposure_opt_out(agent=agent, at=at(11))
    assert out.until == at(17)
    assert exposure_opt_out(agent=agent, at=at(12)) == out  # already out
    assert exposure_opted_out(agent=agent, at=at(16, 59))
    assert not agent_may_take_sensitive(agent=agent, at=at(12))
    assert not exposure_opted_out(agent=agent, at=at(17))
    assert agent_may_take_sensitive(agent=agent, at=at(9) + timedelta(days=7))


def test_team_cap_per_shift_stops_sensitive_work(agent):
    agent.team.exposure_cap_per_shift = 2
    agent.team.save()
    for ticket_id in (1, 2):
        assert agent_may_take_sensitive(agent=agent, at=at(10))
        exposure_record(
            user=agent.user, ticket_id=ticket_id, sensitivity="sensitive", at=at(9, ticket_id)
        )
    assert not agent_may_take_sensitive(agent=agent, at=at(10))
    assert agent_may_take_sensitive(agent=agent, at=at(10) + timedelta(days=7))  # next Monday


def test_lead_sees_team_exposure_and_who_stepped_out_in_two_queries(
    agent, django_assert_num_queries
):
    other = AgentFactory(team=agent.team, time_zone="UTC")
    exposure_record(user=agent.user, ticket_id=7, sensitivity="restricted", at=at(9, 30))
    exposure_opt_out(agent=other, at=at(10))
    members = list(rotas_prefetched(type(agent).objects.filter(team=agent.team)))
    with django_assert_num_queries(2):
        rows = {r.agent.pk: r for r in team_exposure(agents=members, at=at(12))}
    assert (rows[agent.pk].this_shift, rows[agent.pk].restricted_week) == (1, 1)
    assert rows[agent.pk].opted_out_until is None
    assert rows[other.pk].opted_out_until is not None


def test_associate_steps_out_from_their_page_and_lead_sees_it(client, agent):
    lead = AgentFactory(role=Role.LEAD, team=agent.team)
    agent.team.lead = lead.user
    agent.team.save()
    client.force_login(agent.user)
    with time_machine.travel(at(11), tick=False):
        assert b"Step out" in client.get(reverse("teams:my_exposure")).content
        response = client.post(reverse("teams:my_exposure"))
        assert response.status_code == 302
        assert b"out of sensitive work" in client.get(reverse("teams:my_exposure")).content
        client.force_login(lead.user)
        page = client.get(reverse("teams:exposure", args=[agent.team.slug]))
    assert page.status_code == 200
    assert b"Until 17:00" in page.content


def test_associates_and_other_teams_leads_cannot_see_team_exposure(client, agent):
    client.force_login(agent.user)
    assert client.get(reverse("teams:exposure", args=[agent.team.slug])).status_code == 403
    other_lead = AgentFactory(role=Role.LEAD, team=TeamFactory())
    client.force_login(other_lead.user)
    assert client.get(reverse("teams:exposure", args=[agent.team.slug])).status_code == 404
