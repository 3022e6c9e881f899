"""Exposure log: recorded by a teams service, counted per hour/shift/week, stepping out."""

import itertools
from datetime import UTC, datetime, time, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse

from teams.models import Agent, ExposureEntry, Role, Sensitivity
from teams.selectors import (
    ExposureCap,
    agent_exposure_held_back,
    agent_may_take,
    agent_may_take_sensitive,
    exposure_count,
    exposure_count_this_shift,
    exposure_held_back_params,
    exposure_held_back_sql,
    exposure_opted_out,
    exposure_per_hour,
    rotas_prefetched,
    sensitivities_allowed,
    shift_window,
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


# The exposure rule read two ways: in Python (agent_may_take) and as the SQL fragment a
# statement composes (exposure_held_back_sql, then sensitivities_allowed, as get-next does).
# The agent is on shift from 9:00; at 10:30 they handled two sensitive tickets this shift, one
# of them in the last hour. Each cap is absent, not reached, or reached by that history.
SHIFT_CAPS = {"no shift cap": None, "shift cap not reached": 3, "shift cap reached": 2}
EXTRA_CAPS = {"no hourly cap": None, "hourly cap not reached": 2, "hourly cap reached": 1}


def held_back_in_sql(agent, *, at, extra_cap):
    """Teams' SQL form of the rule for `agent` at `at`, with `extra_cap` over the last hour."""
    fragment = exposure_held_back_sql(
        connection=connection,
        agent="a",
        shift=True,
        caps=["NULL" if extra_cap is None else str(extra_cap)],
    )
    windows = [shift_window(agent=agent, at=at), (at - timedelta(hours=1), at)]
    params = exposure_held_back_params(connection=connection, at=at, windows=windows)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {fragment}, NOT {fragment} FROM {Agent._meta.db_table} a WHERE a.id = %s",  # noqa: S608
            [*params, *params, agent.pk],
        )
        held_back, not_held_back = cursor.fetchone()
    assert bool(held_back) != bool(not_held_back)  # never NULL: safe to negate in a WHERE
    return bool(held_back)


@pytest.mark.parametrize("stepped_out", [False, True], ids=["at work", "stepped out"])
@pytest.mark.parametrize("shift_cap", SHIFT_CAPS.values(), ids=SHIFT_CAPS.keys())
@pytest.mark.parametrize("extra_cap", EXTRA_CAPS.values(), ids=EXTRA_CAPS.keys())
def test_the_sql_rule_and_the_python_rule_agree_for_every_combination(
    agent, stepped_out, shift_cap, extra_cap
):
    agent.team.exposure_cap_per_shift = shift_cap
    agent.team.save()
    exposure_record(user=agent.user, ticket_id=1, sensitivity="sensitive", at=at(9, 15))
    exposure_record(user=agent.user, ticket_id=2, sensitivity="restricted", at=at(9, 45))
    if stepped_out:
        exposure_opt_out(agent=agent, at=at(10))
    now = at(10, 30)
    agent = Agent.objects.select_related("team").get(pk=agent.pk)
    extra = [ExposureCap(extra_cap, now - timedelta(hours=1), now)]
    held_back = stepped_out or shift_cap == 2 or extra_cap == 1
    assert agent_exposure_held_back(agent=agent, at=now, caps=extra) is held_back
    held_back_by_sql = held_back_in_sql(agent, at=now, extra_cap=extra_cap)
    assert held_back_by_sql is held_back
    for clearance, sensitivity in itertools.product(Sensitivity.values, repeat=2):
        agent.clearance = clearance
        allowed = sensitivities_allowed(clearance=clearance, held_back=held_back_by_sql)
        by_sql = sensitivity in allowed
        by_python = agent_may_take(agent=agent, sensitivity=sensitivity, at=now, caps=extra)
        cleared = Sensitivity.rank(sensitivity) <= Sensitivity.rank(clearance)
        expected = cleared and (sensitivity == Sensitivity.NONE or not held_back)
        assert by_python is by_sql is expected, (clearance, sensitivity)
