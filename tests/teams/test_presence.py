"""Presence: the header switch, who can take work, and productive time inside shifts."""

from datetime import UTC, datetime, time, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from teams.models import Agent, Presence, PresenceLog
from teams.selectors import agent_can_take_work, agent_productive_seconds, available_agents
from teams.services import presence_set
from tests.factories import AgentFactory, ShiftTemplateFactory

pytestmark = pytest.mark.django_db

MONDAY = datetime(2026, 11, 23, tzinfo=UTC)


def at(hour, minute=0):
    return MONDAY + timedelta(hours=hour, minutes=minute)


def test_going_on_break_stops_taking_work_and_coming_back_restores_it():
    agent = AgentFactory()
    assert not agent_can_take_work(agent)  # offline by default
    agent = presence_set(agent=agent, status=Presence.AVAILABLE)
    assert agent_can_take_work(agent)
    assert list(available_agents()) == [agent]
    agent = presence_set(agent=agent, status=Presence.BREAK)
    assert not agent_can_take_work(agent)
    assert not available_agents().exists()


def test_agents_on_leave_or_deactivated_cannot_take_work_even_when_available():
    on_leave = presence_set(agent=AgentFactory(status=Agent.Status.ON_LEAVE), status="available")
    gone = presence_set(agent=AgentFactory(), status="available")
    gone.user.is_active = False
    gone.user.save()
    assert not agent_can_take_work(on_leave)
    assert not agent_can_take_work(Agent.objects.select_related("user").get(pk=gone.pk))
    assert not available_agents().exists()


def test_presence_changes_are_time_stamped_intervals():
    agent = AgentFactory()
    presence_set(agent=agent, status="available", at=at(9))
    presence_set(agent=agent, status="available", at=at(9, 30))  # same status: no new row
    presence_set(agent=agent, status="lunch", at=at(12))
    rows = list(
        PresenceLog.objects.filter(agent=agent).values_list("status", "started_at", "ended_at")
    )
    assert rows == [("available", at(9), at(12)), ("lunch", at(12), None)]
    with pytest.raises(ValidationError):
        presence_set(agent=agent, status="available", at=at(11))
    with pytest.raises(ValidationError):
        presence_set(agent=agent, status="asleep")


def test_productive_time_is_available_time_inside_the_shift():
    agent = AgentFactory(time_zone="UTC")
    ShiftTemplateFactory(agent=agent, weekday=0, start=time(9), end=time(17))
    presence_set(agent=agent, status="available", at=at(8))  # an hour early: not counted
    presence_set(agent=agent, status="lunch", at=at(12))
    presence_set(agent=agent, status="available", at=at(13))
    presence_set(agent=agent, status="offline", at=at(18))
    seconds = agent_productive_seconds(agent=agent, start=MONDAY, end=MONDAY + timedelta(days=1))
    assert seconds == 7 * 3600  # 09-12 and 13-17


def test_productive_time_adds_handling_during_lunch_and_stops_at_now():
    agent = AgentFactory(time_zone="UTC")
    ShiftTemplateFactory(agent=agent, weekday=0, start=time(9), end=time(17))
    presence_set(agent=agent, status="lunch", at=at(12))
    presence_set(agent=agent, status="available", at=at(13))
    with time_machine.travel(at(15), tick=False):
        seconds = agent_productive_seconds(
            agent=agent,
            start=MONDAY,
            end=MONDAY + timedelta(days=1),
            handling=[(at(12, 30), at(13, 30))],  # finished a ticket over lunch
        )
    assert seconds == 2.5 * 3600  # 12:30-15:00


def test_header_switch_redirects_back_without_javascript(client):
    agent = AgentFactory()
    client.force_login(agent.user)
    response = client.post(reverse("teams:presence"), {"status": "available", "next": "/teams/"})
    assert response.status_code == 302
    assert response["Location"] == "/teams/"
    agent.refresh_from_db()
    assert agent.presence == Presence.AVAILABLE
    page = client.get(reverse("teams:list"))
    assert b'<option value="available" selected>' in page.content


def test_header_switch_swaps_the_form_for_htmx_and_refuses_foreign_redirects(client):
    agent = AgentFactory()
    client.force_login(agent.user)
    response = client.post(
        reverse("teams:presence"),
        {"status": "meeting", "next": "https://evil.example/"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert b'<option value="meeting" selected>' in response.content
    assert b"evil.example" not in response.content
    response = client.post(reverse("teams:presence"), {"status": "napping"})
    assert response.status_code == 400
    assert b"Choose one of" in response.content


def test_header_switch_needs_login(client):
    response = client.post(reverse("teams:presence"), {"status": "available"})
    assert response.status_code == 302
    assert "/login/" in response["Location"]
