"""SLA clocks: policies, business hours, holidays, pauses and Zendesk's next-reply semantics."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from tickets.models import BusinessHours, SLAPolicy, TeamServiceSettings, Ticket, TicketSLA
from tickets.services import (
    ticket_add_note,
    ticket_change_status,
    ticket_create,
    ticket_reply,
    ticket_requester_reply,
    ticket_update,
)

pytestmark = pytest.mark.django_db
Kind = TicketSLA.Kind

# Monday 2026-03-02 … Europe/Berlin is UTC+1 until the end of March.
FRIDAY_1630_BERLIN = datetime(2026, 3, 6, 15, 30, tzinfo=UTC)


def at(when):
    return time_machine.travel(when, tick=False)


@pytest.fixture
def berlin_hours(team):
    hours = BusinessHours.objects.create(
        name="Berlin office",
        time_zone="Europe/Berlin",
        weekly=[[d, 9 * 60, 17 * 60] for d in range(5)],
        holiday_country="DE",
        custom_holidays=["2026-03-09"],
    )
    TeamServiceSettings.objects.create(team=team, business_hours=hours)
    return hours


@pytest.fixture
def policy(category):
    return SLAPolicy.objects.create(
        name="Standard",
        first_reply_minutes=60,
        next_reply_minutes=120,
        resolution_minutes=8 * 60,
        business_time=True,
    )


def new_ticket(requester, category, team, **kw):
    return ticket_create(
        subject="Locked out",
        body="I cannot log in",
        requester=requester,
        category=category,
        team=team,
        **kw,
    )


def sla(ticket, kind):
    return TicketSLA.objects.filter(ticket=ticket, kind=kind).order_by("-pk").first()


def test_first_reply_due_skips_weekend_and_custom_holiday(
    requester, category, team, berlin_hours, policy
):
    with at(FRIDAY_1630_BERLIN):
        ticket = new_ticket(requester, category, team)
    first = sla(ticket, Kind.FIRST_REPLY)
    # 30 minutes on Friday, then Monday 9 March is a custom holiday: 30 more on Tuesday.
    assert first.due_at == datetime(2026, 3, 10, 8, 30, tzinfo=UTC)
    ticket.refresh_from_db()
    assert ticket.due_at == first.due_at  # the earliest running target


def test_public_holiday_from_the_country_calendar(requester, category, team, berlin_hours, policy):
    # Good Friday 2026-04-03 and Easter Monday 2026-04-06 are German public holidays.
    with at(datetime(2026, 4, 2, 14, 30, tzinfo=UTC)):  # Thursday 16:30 CEST
        ticket = new_ticket(requester, category, team)
    assert sla(ticket, Kind.FIRST_REPLY).due_at == datetime(2026, 4, 7, 7, 30, tzinfo=UTC)


def test_calendar_minutes_when_policy_is_not_business_time(
    requester, category, team, berlin_hours, policy
):
    policy.business_time = False
    policy.save()
    with at(FRIDAY_1630_BERLIN):
        ticket = new_ticket(requester, category, team)
    assert sla(ticket, Kind.FIRST_REPLY).due_at == FRIDAY_1630_BERLIN + timedelta(minutes=60)


def test_first_matching_policy_wins_by_priority(requester, category, team, policy):
    urgent = SLAPolicy.objects.create(
        name="Urgent", position=0, priorities=[4], first_reply_minutes=15, business_time=False
    )
    policy.position = 1
    policy.save()
    start = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    with at(start):
        ticket = new_ticket(requester, category, team, priority=Ticket.Priority.URGENT)
        normal = new_ticket(requester, category, team)
    row = sla(ticket, Kind.FIRST_REPLY)
    assert (row.policy, row.due_at) == (urgent, start + timedelta(minutes=15))
    assert sla(normal, Kind.FIRST_REPLY).policy == policy
    assert sla(ticket, Kind.RESOLUTION) is None  # the urgent policy sets no resolution target


def test_priority_change_retargets_the_running_clock(requester, category, team, agent):
    SLAPolicy.objects.create(
        name="Urgent", position=0, priorities=[4], first_reply_minutes=15, business_time=False
    )
    SLAPolicy.objects.create(name="Rest", position=1, first_reply_minutes=240, business_time=False)
    start = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    with at(start):
        ticket = new_ticket(requester, category, team)
    assert sla(ticket, Kind.FIRST_REPLY).due_at == start + timedelta(minutes=240)
    with at(start + timedelta(minutes=5)):
        ticket_update(ticket=ticket, by=agent.user, priority=Ticket.Priority.URGENT)
    ticket.refresh_from_db()
    assert sla(ticket, Kind.FIRST_REPLY).due_at == start + timedelta(minutes=15)
    assert ticket.due_at == start + timedelta(minutes=15)


def test_agent_reply_stops_first_reply_and_records_met(requester, category, team, agent, policy):
    policy.business_time = False
    policy.save()
    start = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    with at(start):
        ticket = new_ticket(requester, category, team)
    with at(start + timedelta(minutes=45)):
        ticket_reply(ticket=ticket, by=agent.user, body="Try resetting your password.")
    first = sla(ticket, Kind.FIRST_REPLY)
    assert first.stopped_at == start + timedelta(minutes=45)
    assert first.met is True
    ticket.refresh_from_db()
    # Only the resolution clock still runs.
    assert ticket.due_at == sla(ticket, Kind.RESOLUTION).due_at == start + timedelta(hours=8)


def test_late_reply_is_recorded_as_missed(requester, category, team, agent, policy):
    policy.business_time = False
    policy.save()
    start = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    with at(start):
        ticket = new_ticket(requester, category, team)
    with at(start + timedelta(minutes=61)):
        ticket_reply(ticket=ticket, by=agent.user, body="Sorry for the wait.")
    assert sla(ticket, Kind.FIRST_REPLY).met is False


def test_next_reply_starts_at_oldest_unanswered_comment_and_agent_reply_stops_it(
    requester, category, team, agent, policy
):
    policy.business_time = False
    policy.save()
    start = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    with at(start):
        ticket = new_ticket(requester, category, team)
    with at(start + timedelta(minutes=10)):
        ticket_reply(ticket=ticket, by=agent.user, body="Which device?")
    assert sla(ticket, Kind.NEXT_REPLY) is None
    with at(start + timedelta(minutes=30)):
        ticket_requester_reply(ticket=ticket, requester=requester, body_html="<p>iPhone</p>")
    with at(start + timedelta(minutes=50)):
        ticket_requester_reply(ticket=ticket, requester=requester, body_html="<p>Hello?</p>")
    nxt = sla(ticket, Kind.NEXT_REPLY)
    assert nxt.started_at == start + timedelta(minutes=30)  # the oldest unanswered comment
    assert nxt.due_at == start + timedelta(minutes=150)
    with at(start + timedelta(minutes=60)):
        ticket_add_note(ticket=ticket, by=agent.user, body="Checking logs")
    assert sla(ticket, Kind.NEXT_REPLY).stopped_at is None  # a note never stops it
    with at(start + timedelta(minutes=70)):
        ticket_reply(ticket=ticket, by=agent.user, body="Fixed.", status="pending")
    nxt.refresh_from_db()
    assert (nxt.stopped_at, nxt.met) == (start + timedelta(minutes=70), True)
    assert TicketSLA.objects.filter(ticket=ticket, stopped_at__isnull=True).count() == 1


def test_pending_pauses_resolution_and_reopen_extends_due(requester, category, team, agent, policy):
    policy.business_time = False
    policy.save()
    start = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    with at(start):
        ticket = new_ticket(requester, category, team)
    with at(start + timedelta(hours=1)):
        ticket_reply(
            ticket=ticket, by=agent.user, body="Please send a screenshot.", status="pending"
        )
    res = sla(ticket, Kind.RESOLUTION)
    assert res.paused_at == start + timedelta(hours=1)
    ticket.refresh_from_db()
    assert ticket.due_at is None  # nothing runs while pending
    with at(start + timedelta(hours=4)):
        ticket_requester_reply(ticket=ticket, requester=requester, body_html="<p>here</p>")
    res.refresh_from_db()
    assert res.paused_at is None
    assert res.due_at == start + timedelta(hours=8 + 3)  # three hours paused
    ticket.refresh_from_db()
    assert ticket.due_at == sla(ticket, Kind.NEXT_REPLY).due_at == start + timedelta(hours=6)


def test_solving_stops_every_clock_and_reopen_resumes_resolution(
    requester, category, team, agent, policy
):
    policy.business_time = False
    policy.save()
    start = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    with at(start):
        ticket = new_ticket(requester, category, team)
    with at(start + timedelta(hours=2)):
        ticket_reply(ticket=ticket, by=agent.user, body="Done.", status="solved")
    assert not TicketSLA.objects.filter(ticket=ticket, stopped_at__isnull=True).exists()
    assert sla(ticket, Kind.RESOLUTION).met is True
    with at(start + timedelta(hours=5)):
        ticket_change_status(ticket=ticket, by=agent.user, status="open")
    res = sla(ticket, Kind.RESOLUTION)
    assert res.stopped_at is None
    assert res.due_at == start + timedelta(hours=8 + 3)


def test_without_policy_the_default_reply_target_applies(requester, category, team, settings):
    start = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    with at(start):
        ticket = new_ticket(requester, category, team, priority=Ticket.Priority.URGENT)
    minutes = settings.FRONTLINE["DEFAULT_FIRST_REPLY_MINUTES"][4]
    ticket.refresh_from_db()
    assert ticket.due_at == start + timedelta(minutes=minutes)


def test_ticket_opened_by_an_agent_has_no_first_reply_clock(
    requester, category, team, agent, policy
):
    with at(datetime(2026, 3, 2, 10, 0, tzinfo=UTC)):
        ticket = new_ticket(requester, category, team, by=agent.user)
    assert sla(ticket, Kind.FIRST_REPLY) is None
    assert sla(ticket, Kind.RESOLUTION) is not None
