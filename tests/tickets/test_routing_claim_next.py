"""Get-next and people: presence, exposure caps, interleaving, and the exposure log."""

import itertools
from datetime import UTC, datetime, time, timedelta

import pytest
import time_machine
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from teams.models import Agent, ExposureEntry, Presence, Sensitivity
from teams.selectors import ExposureCap, agent_may_take
from teams.services import exposure_opt_out, exposure_record
from tests.factories import AgentFactory, ShiftTemplateFactory, TicketFactory
from tickets.models import TeamServiceSettings, Ticket
from tickets.services import ClaimRefused, ticket_claim_next, ticket_reply

pytestmark = pytest.mark.django_db


def waiting(team, category, minutes):
    return TicketFactory(
        team=team,
        category=category,
        status=Ticket.Status.NEW,
        due_at=timezone.now() + timedelta(minutes=minutes),
    )


@pytest.fixture
def cleared(team):
    return AgentFactory(team=team, presence=Presence.AVAILABLE, clearance=Sensitivity.SENSITIVE)


def test_offline_or_on_break_agent_gets_nothing_with_a_reason(team, category, client):
    waiting(team, category, 5)
    agent = AgentFactory(team=team, presence=Presence.BREAK)
    with pytest.raises(ClaimRefused, match="Available"):
        ticket_claim_next(agent=agent)
    client.force_login(agent.user)
    page = client.post(reverse("tickets:claim_next"), follow=True)
    assert "set yourself Available" in page.content.decode()
    api = APIClient()
    api.force_authenticate(agent.user)
    response = api.post("/api/v1/tickets/next/")
    assert response.status_code == 409
    assert "Available" in response.json()["detail"]
    assert Ticket.objects.filter(assignee=agent.user).count() == 0


def test_claiming_a_sensitive_ticket_is_recorded_as_exposure(team, sensitive, cleared):
    ticket = waiting(team, sensitive, 5)
    assert ticket_claim_next(agent=cleared) == ticket
    entry = ExposureEntry.objects.get(user=cleared.user)
    assert (entry.ticket_id, entry.sensitivity) == (ticket.pk, Sensitivity.SENSITIVE)


def test_replying_to_a_sensitive_ticket_records_exposure(team, sensitive, cleared):
    ticket = waiting(team, sensitive, 5)
    ticket_reply(ticket=ticket, by=cleared.user, body="We are looking into it.")
    assert ExposureEntry.objects.filter(user=cleared.user, ticket_id=ticket.pk).exists()


def test_at_the_shift_cap_only_non_sensitive_work_then_a_break(team, category, sensitive, cleared):
    team.exposure_cap_per_shift = 1
    team.save()
    first = waiting(team, sensitive, 1)
    second = waiting(team, sensitive, 2)
    plain = waiting(team, category, 30)
    assert ticket_claim_next(agent=cleared) == first
    assert ticket_claim_next(agent=cleared) == plain  # the cap skips the more urgent one
    with pytest.raises(ClaimRefused, match="break"):
        ticket_claim_next(agent=cleared)
    second.refresh_from_db()
    assert second.assignee is None


def test_hourly_cap_from_team_service_settings(team, sensitive, cleared):
    TeamServiceSettings.objects.create(team=team, exposure_cap_per_hour=1)
    waiting(team, sensitive, 1)
    waiting(team, sensitive, 2)
    assert ticket_claim_next(agent=cleared) is not None
    with pytest.raises(ClaimRefused):
        ticket_claim_next(agent=cleared)


def test_after_stepping_out_no_sensitive_work(team, sensitive, cleared):
    waiting(team, sensitive, 1)
    exposure_opt_out(agent=cleared)
    with pytest.raises(ClaimRefused):
        ticket_claim_next(agent=cleared)


def test_interleaving_prefers_non_sensitive_after_a_sensitive_ticket(
    team, category, sensitive, cleared
):
    first = waiting(team, sensitive, 1)
    next_sensitive = waiting(team, sensitive, 2)
    plain = waiting(team, category, 60)
    assert ticket_claim_next(agent=cleared) == first
    assert ticket_claim_next(agent=cleared) == plain
    assert ticket_claim_next(agent=cleared) == next_sensitive


def test_interleaving_can_be_turned_off_per_team(team, category, sensitive, cleared):
    TeamServiceSettings.objects.create(team=team, interleave_sensitive=False)
    waiting(team, sensitive, 1)
    second = waiting(team, sensitive, 2)
    waiting(team, category, 60)
    ticket_claim_next(agent=cleared)
    assert ticket_claim_next(agent=cleared) == second


def test_interleaving_only_prefers_a_sensitive_ticket_still_comes_when_no_other_waits(
    team, sensitive, cleared
):
    waiting(team, sensitive, 1)
    second = waiting(team, sensitive, 2)
    ticket_claim_next(agent=cleared)
    assert ticket_claim_next(agent=cleared) == second


def test_an_uncleared_agent_who_stepped_out_just_gets_the_plain_queue(team, category):
    agent = AgentFactory(team=team, presence=Presence.AVAILABLE)
    exposure_opt_out(agent=agent)
    plain = waiting(team, category, 5)
    assert ticket_claim_next(agent=agent) == plain
    assert ticket_claim_next(agent=agent) is None  # nothing waits: no talk of caps or breaks


def test_the_shift_cap_reads_the_rota_once_a_shift_and_sees_a_rota_change_at_once(
    team, category, sensitive, cleared, count_queries
):
    team.exposure_cap_per_shift = 1
    team.save()
    TeamServiceSettings.objects.create(team=team, interleave_sensitive=False)
    shift = ShiftTemplateFactory(agent=cleared, weekday=0, start=time(9), end=time(17))
    monday = datetime(2026, 3, 2, tzinfo=UTC)
    with time_machine.travel(monday.replace(hour=10), tick=False):
        first = waiting(team, sensitive, 1)
        later = waiting(team, sensitive, 2)
        plain = waiting(team, category, 30)
        assert ticket_claim_next(agent=cleared) == first
        claimed, sql = count_queries(lambda: ticket_claim_next(agent=cleared))
        assert claimed == plain  # one sensitive ticket this shift: the cap holds `later` back
        assert not any("teams_shifttemplate" in q for q in sql)  # the shift was kept
    shift.start = time(10, 30)  # the lead moves the shift: `first` now falls before it
    shift.save()
    with time_machine.travel(monday.replace(hour=10, minute=45), tick=False):
        assert ticket_claim_next(agent=cleared) == later


# Get-next composes teams' exposure rule as SQL; agent_may_take is the same rule in Python.
# The agent is on shift from 9:00; at 10:30 they handled two sensitive tickets this shift, one
# of them in the last hour. Each cap is absent, not reached, or reached by that history.
SHIFT_CAPS = {"no shift cap": None, "shift cap not reached": 3, "shift cap reached": 2}
HOURLY_CAPS = {"no hourly cap": None, "hourly cap not reached": 2, "hourly cap reached": 1}


@pytest.mark.parametrize("stepped_out", [False, True], ids=["at work", "stepped out"])
@pytest.mark.parametrize("shift_cap", SHIFT_CAPS.values(), ids=SHIFT_CAPS.keys())
@pytest.mark.parametrize("hourly_cap", HOURLY_CAPS.values(), ids=HOURLY_CAPS.keys())
def test_get_next_hands_out_what_the_exposure_rule_allows_for_every_combination(
    team, category, sensitive, restricted, stepped_out, shift_cap, hourly_cap
):
    of_sensitivity = {
        Sensitivity.NONE: category,
        Sensitivity.SENSITIVE: sensitive,
        Sensitivity.RESTRICTED: restricted,
    }
    team.exposure_cap_per_shift = shift_cap
    team.save()
    TeamServiceSettings.objects.create(
        team=team, exposure_cap_per_hour=hourly_cap, interleave_sensitive=False
    )
    agent = AgentFactory(team=team, presence=Presence.AVAILABLE)
    ShiftTemplateFactory(agent=agent, weekday=0, start=time(9), end=time(17))
    monday = datetime(2026, 3, 2, tzinfo=UTC)
    exposure_record(
        user=agent.user, ticket_id=1, sensitivity="sensitive", at=monday.replace(hour=9, minute=15)
    )
    exposure_record(
        user=agent.user, ticket_id=2, sensitivity="restricted", at=monday.replace(hour=9, minute=45)
    )
    if stepped_out:
        exposure_opt_out(agent=agent, at=monday.replace(hour=10))
    now = monday.replace(hour=10, minute=30)
    last_hour = [ExposureCap(hourly_cap, now - timedelta(hours=1), now)]
    held_back = stepped_out or shift_cap == 2 or hourly_cap == 1
    with time_machine.travel(now, tick=False):
        for clearance, sensitivity in itertools.product(Sensitivity.values, repeat=2):
            agent.clearance = clearance
            Agent.objects.filter(pk=agent.pk).update(clearance=clearance)
            by_python = agent_may_take(agent=agent, sensitivity=sensitivity, at=now, caps=last_hour)
            with transaction.atomic():
                ticket = waiting(team, of_sensitivity[sensitivity], 5)
                try:
                    claimed = ticket_claim_next(agent=agent)
                except ClaimRefused:
                    claimed = None
                transaction.set_rollback(True)  # the next case starts from the same history
            cleared = Sensitivity.rank(sensitivity) <= Sensitivity.rank(clearance)
            expected = cleared and (sensitivity == Sensitivity.NONE or not held_back)
            assert by_python is (claimed == ticket) is expected, (clearance, sensitivity)
