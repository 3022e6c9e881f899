"""Metric definitions on hand-built tickets with known answers (time frozen)."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from metrics.facts import ticket_facts
from tests.factories import AgentFactory, CategoryFactory, RequesterFactory, TeamFactory
from tickets.models import Message, Ticket
from tickets.services import (
    ticket_change_status,
    ticket_create,
    ticket_reply,
    ticket_requester_reply,
)

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
S = Ticket.Status


@pytest.fixture
def world():
    team = TeamFactory()
    agent = AgentFactory(team=team)
    return {
        "team": team,
        "agent": agent.user,
        "category": CategoryFactory(),
        "requester": RequesterFactory(),
    }


def _at(minutes):
    return time_machine.travel(T0 + timedelta(minutes=minutes), tick=False)


def _new_ticket(world, *, by=None, priority=Ticket.Priority.NORMAL):
    with _at(0):
        return ticket_create(
            subject="Cannot log in",
            body="Help",
            requester=world["requester"],
            category=world["category"],
            team=world["team"],
            by=by,
            priority=priority,
        )


def _facts(ticket, minutes):
    ticket.refresh_from_db()
    return ticket_facts(ticket, now=T0 + timedelta(minutes=minutes))


def test_first_reply_time_is_creation_to_first_public_agent_reply(world):
    ticket = _new_ticket(world)
    with _at(30):
        from tickets.services import ticket_add_note

        ticket_add_note(ticket=ticket, by=world["agent"], body="looking")  # notes never count
    with _at(45):
        ticket_reply(ticket=ticket, by=world["agent"], body="Hi")
    with _at(90):
        ticket_reply(ticket=ticket, by=world["agent"], body="Again")
    facts = _facts(ticket, 100)
    assert facts.first_reply_minutes == 45
    assert facts.first_reply_at == T0 + timedelta(minutes=45)


def test_first_reply_stops_at_second_agent_comment_when_agent_opened_the_ticket(world):
    ticket = _new_ticket(world, by=world["agent"])
    with _at(20):
        ticket_reply(ticket=ticket, by=world["agent"], body="Following up")
    facts = _facts(ticket, 30)
    assert facts.first_reply_minutes == 20


def test_automated_replies_never_stop_the_first_reply_clock(world):
    ticket = _new_ticket(world)
    Message.objects.create(
        ticket=ticket,
        author_user=world["agent"],
        body_html="<p>We got it</p>",
        created_at=T0 + timedelta(minutes=1),
        is_automated=True,
    )
    facts = _facts(ticket, 10)
    assert facts.first_reply_minutes is None
    with _at(70):
        ticket_reply(ticket=ticket, by=world["agent"], body="Hi")
    assert _facts(ticket, 80).first_reply_minutes == 70


def test_resolution_times_reopens_and_one_touch_across_a_reopen(world):
    ticket = _new_ticket(world)
    with _at(60):
        ticket_reply(ticket=ticket, by=world["agent"], body="Fixed", status=S.SOLVED)
    facts = _facts(ticket, 61)
    assert facts.first_resolution_minutes == 60
    assert facts.full_resolution_minutes == 60
    assert facts.one_touch is True
    assert facts.reopens == 0

    with _at(120):
        ticket_requester_reply(ticket=ticket, requester=world["requester"], body_html="Not fixed")
    facts = _facts(ticket, 130)
    assert facts.solved is False
    assert facts.full_resolution_minutes is None  # unsolved now
    assert facts.first_resolution_minutes == 60
    assert facts.reopens == 1

    with _at(300):
        ticket_reply(ticket=ticket, by=world["agent"], body="Now fixed", status=S.SOLVED)
    facts = _facts(ticket, 400)
    assert facts.first_resolution_minutes == 60
    assert facts.full_resolution_minutes == 300  # reopens extend it
    assert facts.latest_solved_at == T0 + timedelta(minutes=300)
    assert facts.one_touch is False  # two public agent replies
    assert facts.reopens == 1


def test_wait_times_follow_the_status_events(world):
    ticket = _new_ticket(world)
    with _at(10):
        ticket_reply(ticket=ticket, by=world["agent"], body="Need info", status=S.PENDING)
    with _at(70):  # requester answers: pending → open
        ticket_requester_reply(ticket=ticket, requester=world["requester"], body_html="Here")
    with _at(80):
        ticket_change_status(ticket=ticket, by=world["agent"], status=S.ON_HOLD)
    with _at(200):
        ticket_change_status(ticket=ticket, by=world["agent"], status=S.SOLVED)
    facts = _facts(ticket, 1000)  # time after the solve is not counted
    assert facts.minutes_in[S.NEW] == 10
    assert facts.agent_wait_minutes == 60
    assert facts.on_hold_minutes == 120
    assert facts.agent_work_minutes == 20  # 10 new + 10 open
    assert facts.requester_wait_minutes == 140  # new + open + on hold


def test_unsolved_ticket_waits_until_now(world):
    ticket = _new_ticket(world)
    facts = _facts(ticket, 25)
    assert facts.requester_wait_minutes == 25
    assert facts.solved is False
    assert facts.full_resolution_minutes is None


def test_definitions_page_states_every_formula_and_version(client, world):
    client.force_login(world["agent"])
    with time_machine.travel(timezone.now(), tick=False):
        response = client.get("/metrics/definitions/")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="first-reply-time"' in body
    assert "second public agent comment" in body
    assert 'id="sla-achievement"' in body
    assert "version 1" in body  # SLA achievement read from the SLA engine's targets
    assert 'id="handle-time"' in body
    assert "90 seconds" in body
