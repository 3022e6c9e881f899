"""The rest of escalation: acknowledgement deadlines, the sweep's priority bump retargeting
SLA due times, notifications on assignment, and follow-the-sun tickets returning to their
owner team when they open again."""

import datetime as dt
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail

from teams.models import Role, Team
from tests.factories import (
    AgentFactory,
    RequesterFactory,
    ShiftTemplateFactory,
    TeamFactory,
    UserFactory,
)
from tickets.models import (
    Escalation,
    Notification,
    RoutingRule,
    SLAPolicy,
    TeamServiceSettings,
    Ticket,
    TicketEvent,
    TicketRouting,
    TicketSLA,
)
from tickets.services import (
    ticket_assign,
    ticket_change_status,
    ticket_create,
    ticket_reply,
    ticket_requester_reply,
)
from tickets.services.escalation import escalation_acknowledge, sla_sweep, ticket_escalate

pytestmark = pytest.mark.django_db
START = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)  # a Monday
BRIEF = {"tried": "Password reset twice", "risk": "Account takeover", "needed": "T&S check"}


def at(when):
    return time_machine.travel(when, tick=False)


@pytest.fixture
def ticket(requester, category, team, agent, lead):
    with at(START):
        t = ticket_create(
            subject="Locked out", body="Help", requester=requester, category=category, team=team
        )
    Ticket.objects.filter(pk=t.pk).update(assignee=agent.user)
    t.refresh_from_db()
    return t


def escalate(ticket, agent, **kw):
    kw.setdefault("level", 1)
    return ticket_escalate(ticket=ticket, by=agent.user, reason="Threat", brief=BRIEF, **kw)


# Acknowledgement deadline -------------------------------------------------------------------


def test_unacknowledged_escalation_goes_to_the_manager_once_after_the_deadline(
    ticket, agent, lead, manager, settings, django_capture_on_commit_callbacks
):
    settings.FRONTLINE = {**settings.FRONTLINE, "ESCALATION_ACK_MINUTES": 30}
    with at(START + timedelta(minutes=5)):
        esc = escalate(ticket, agent)
    assert esc.ack_due_at == START + timedelta(minutes=35)
    with at(START + timedelta(minutes=34)):
        assert sla_sweep().ack_missed == []
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True), at(START + timedelta(minutes=36)):
        assert sla_sweep().ack_missed == [esc.pk]
        assert sla_sweep().ack_missed == []  # once, however often the sweep runs
    further = Escalation.objects.get(parent=esc)
    assert (further.level, further.source, further.team) == (2, "ack", ticket.team)
    assert further.brief == BRIEF  # the hand-off travels with it
    assert "not acknowledged within 31 minutes" in further.reason
    assert further.ack_due_at == START + timedelta(minutes=66)
    notified = set(Notification.objects.filter(kind="escalation").values_list("user", flat=True))
    assert manager.user_id in notified
    assert manager.user.email in {to for m in mail.outbox for to in m.to}
    # The level-2 escalation has its own deadline; missing it goes to level 3, the top.
    with at(START + timedelta(minutes=67)):
        assert sla_sweep().ack_missed == [further.pk]
    top = Escalation.objects.get(parent=further)
    assert (top.level, top.ack_due_at) == (3, None)
    with at(START + timedelta(days=2)):
        assert sla_sweep().ack_missed == []
    people = Escalation.objects.filter(ticket=ticket).exclude(source=Escalation.Source.SLA)
    assert people.count() == 3


def test_acknowledged_in_time_is_not_escalated_further(ticket, agent, lead):
    with at(START):
        esc = escalate(ticket, agent)
    with at(START + timedelta(minutes=10)):
        escalation_acknowledge(escalation=esc, by=lead.user)
    with at(START + timedelta(hours=3)):
        assert sla_sweep().ack_missed == []
    assert not Escalation.objects.filter(parent=esc).exists()
    # The raiser hears that the lead took it on.
    assert Notification.objects.filter(user=agent.user, kind="escalation").exists()


def test_acknowledging_covers_the_tickets_other_open_escalations_at_that_level(ticket, agent, lead):
    """A ticket that breached two targets carries two level-1 escalations to its team; the lead
    takes the ticket on once, and neither goes up a level afterwards."""
    with at(START):
        esc = escalate(ticket, agent)
        twin = Escalation.objects.create(
            ticket=ticket, source=Escalation.Source.SLA, level=1, team=ticket.team,
            reason="Resolution target breached", created_at=START, ack_due_at=esc.ack_due_at,
        )  # fmt: skip
    with at(START + timedelta(minutes=10)):
        escalation_acknowledge(escalation=esc, by=lead.user)
    twin.refresh_from_db()
    assert (twin.acknowledged_at, twin.acknowledged_by) == (
        START + timedelta(minutes=10),
        lead.user,
    )
    with at(START + timedelta(hours=3)):
        assert sla_sweep().ack_missed == []
    assert not Escalation.objects.filter(parent__in=[esc, twin]).exists()


def test_team_ack_target_and_onward_team_come_from_its_service_settings(ticket, agent, lead, team):
    specialists = TeamFactory(name="Trust & Safety")
    ts_lead = AgentFactory(team=specialists, role=Role.LEAD)
    specialists.lead = ts_lead.user
    specialists.save()
    TeamServiceSettings.objects.create(
        team=team, escalation_ack_minutes=10, escalate_unacknowledged_to=specialists
    )
    with at(START):
        esc = escalate(ticket, agent)
    assert esc.ack_due_at == START + timedelta(minutes=10)
    with at(START + timedelta(minutes=11)):
        sla_sweep()
    ticket.refresh_from_db()
    assert (ticket.team, ticket.assignee) == (specialists, None)
    assert Escalation.objects.get(parent=esc).team == specialists
    assert Notification.objects.filter(user=ts_lead.user, kind="escalation").count() == 1


def test_solved_ticket_is_not_escalated_further(ticket, agent, lead):
    with at(START):
        esc = escalate(ticket, agent)
    with at(START + timedelta(minutes=5)):
        ticket_reply(ticket=ticket, by=agent.user, body="Sorted", status=Ticket.Status.SOLVED)
    with at(START + timedelta(hours=2)):
        assert sla_sweep().ack_missed == []
    assert not Escalation.objects.filter(parent=esc).exists()


# Priority bump retargets the SLA ----------------------------------------------------------


def test_breach_priority_bump_recomputes_due_times_per_policy(
    requester, category, team, agent, django_capture_on_commit_callbacks
):
    SLAPolicy.objects.create(
        name="High", position=0, priorities=[3], first_reply_minutes=30,
        resolution_minutes=120, business_time=False,
    )  # fmt: skip
    SLAPolicy.objects.create(
        name="Normal", position=1, priorities=[2], first_reply_minutes=60,
        resolution_minutes=600, business_time=False,
    )  # fmt: skip
    with at(START):
        ticket = ticket_create(
            subject="Locked", body="Help", requester=requester, category=category, team=team
        )
    resolution = TicketSLA.objects.get(ticket=ticket, kind="resolution")
    assert resolution.due_at == START + timedelta(minutes=600)
    # the worker retargets after the sweep's commit
    with at(START + timedelta(minutes=61)), django_capture_on_commit_callbacks(execute=True):
        assert len(sla_sweep().breached) == 1
    ticket.refresh_from_db()
    resolution.refresh_from_db()
    assert ticket.priority == Ticket.Priority.HIGH
    # The High policy now applies: resolution due 120 minutes after creation, not 600.
    assert resolution.policy.name == "High"
    assert resolution.due_at == START + timedelta(minutes=120)
    assert ticket.due_at == START + timedelta(minutes=30)  # the breached first reply
    first = TicketSLA.objects.get(ticket=ticket, kind="first_reply")
    assert (first.breached_at, first.met, first.escalation_level) == (
        START + timedelta(minutes=60),
        False,
        1,
    )
    change = TicketEvent.objects.get(ticket=ticket, kind="change", field="priority")
    assert (change.old, change.new) == ("2", "3")
    with at(START + timedelta(minutes=62)):
        assert sla_sweep().breached == []  # retargeting never escalates the same breach twice


def test_breached_target_the_new_policy_drops_stays_on_record(
    requester, category, team, django_capture_on_commit_callbacks
):
    SLAPolicy.objects.create(
        name="High", position=0, priorities=[3], resolution_minutes=120, business_time=False
    )
    SLAPolicy.objects.create(
        name="Normal", position=1, priorities=[2], first_reply_minutes=60, business_time=False
    )
    with at(START):
        ticket = ticket_create(
            subject="Locked", body="Help", requester=requester, category=category, team=team
        )
    with at(START + timedelta(minutes=61)), django_capture_on_commit_callbacks(execute=True):
        sla_sweep()
    first = TicketSLA.objects.get(ticket=ticket, kind="first_reply")
    assert (first.met, first.stopped_at) == (False, START + timedelta(minutes=61))
    assert Escalation.objects.get(ticket=ticket).sla == first


# Notifications -----------------------------------------------------------------------------


def test_assignment_notifies_the_assignee_in_app_and_by_email(
    ticket, agent, other_agent, lead, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        ticket_assign(ticket=ticket, by=lead.user, assignee=other_agent.user)
    notice = Notification.objects.get(user=other_agent.user, kind="assigned")
    assert ticket.reference in notice.text
    assert [m.to for m in mail.outbox] == [[other_agent.user.email]]
    with django_capture_on_commit_callbacks(execute=True):
        ticket_assign(ticket=ticket, by=agent.user, assignee=agent.user)  # took it themself
    assert not Notification.objects.filter(user=agent.user, kind="assigned").exists()


# Follow-the-sun: back to the owner ---------------------------------------------------------


@pytest.fixture
def sun(category):
    owner = TeamFactory(name="Access EN", categories=[category.slug])
    cover = TeamFactory(name="Access APAC", categories=[category.slug])
    RoutingRule.objects.create(name="Access", team=owner)
    # Monday: the owner works 18-23 UTC, the covering team 08-16 UTC.
    ShiftTemplateFactory(
        agent=AgentFactory(team=owner), weekday=0, start=dt.time(18), end=dt.time(23)
    )
    ShiftTemplateFactory(
        agent=AgentFactory(team=cover), weekday=0, start=dt.time(8), end=dt.time(16)
    )
    with at(START):
        ticket = ticket_create(
            subject="Locked", body="Help", requester=RequesterFactory(), category=category
        )
    assert ticket.team == cover
    return {"owner": owner, "cover": cover, "ticket": ticket}


def test_follow_the_sun_ticket_returns_to_owner_when_requester_writes_again(sun):
    ticket = sun["ticket"]
    with at(START + timedelta(hours=2)):  # the owner is still off shift: it stays
        ticket_requester_reply(
            ticket=ticket, requester=ticket.requester, body_html="<p>Any news?</p>"
        )
    ticket.refresh_from_db()
    assert ticket.team == sun["cover"]
    with at(datetime(2026, 3, 2, 19, 0, tzinfo=UTC)):
        ticket_requester_reply(ticket=ticket, requester=ticket.requester, body_html="<p>Hello?</p>")
    ticket.refresh_from_db()
    assert ticket.team == sun["owner"]
    routing = TicketRouting.objects.get(ticket=ticket)
    assert routing.returned_at == datetime(2026, 3, 2, 19, 0, tzinfo=UTC)
    event = TicketEvent.objects.filter(ticket=ticket, kind="routed").latest("pk")
    assert (event.old, event.new) == (str(sun["cover"].pk), str(sun["owner"].pk))


def test_follow_the_sun_ticket_reopened_from_pending_returns_to_owner(sun, lead):
    ticket = sun["ticket"]
    with at(START + timedelta(minutes=10)):
        ticket_change_status(ticket=ticket, by=lead.user, status=Ticket.Status.PENDING)
    with at(datetime(2026, 3, 2, 20, 0, tzinfo=UTC)):
        ticket_change_status(ticket=ticket, by=lead.user, status=Ticket.Status.OPEN)
    ticket.refresh_from_db()
    assert ticket.team == sun["owner"]


def test_assigned_follow_the_sun_ticket_stays_with_its_assignee(sun):
    ticket = sun["ticket"]
    helper = AgentFactory(team=sun["cover"])
    Ticket.objects.filter(pk=ticket.pk).update(assignee=helper.user)
    with at(datetime(2026, 3, 2, 19, 0, tzinfo=UTC)):
        ticket_requester_reply(ticket=ticket, requester=ticket.requester, body_html="<p>Hi</p>")
    ticket.refresh_from_db()
    assert (ticket.team, ticket.assignee) == (sun["cover"], helper.user)


def test_ticket_moved_elsewhere_meanwhile_does_not_go_back(sun):
    ticket = sun["ticket"]
    elsewhere = Team.objects.create(name="Elsewhere", slug="elsewhere", vendor=sun["owner"].vendor)
    Ticket.objects.filter(pk=ticket.pk).update(team=elsewhere)
    with at(datetime(2026, 3, 2, 19, 0, tzinfo=UTC)):
        ticket_requester_reply(ticket=ticket, requester=ticket.requester, body_html="<p>Hi</p>")
    ticket.refresh_from_db()
    assert ticket.team == elsewhere


# An SLA policy edit retargets open tickets ---------------------------------------------------


def test_editing_a_policy_in_the_admin_retargets_open_tickets(
    client, requester, category, team, agent, django_capture_on_commit_callbacks
):
    policy = SLAPolicy.objects.create(name="Standard", first_reply_minutes=600, business_time=False)
    with at(START):
        ticket = ticket_create(
            subject="Locked", body="Help", requester=requester, category=category, team=team
        )
        solved = ticket_create(
            subject="Done", body="Help", requester=requester, category=category, team=team
        )
    with at(START + timedelta(minutes=5)):
        ticket_reply(ticket=solved, by=agent.user, body="Fixed", status=Ticket.Status.SOLVED)
    assert ticket.slas.get().due_at == START + timedelta(minutes=600)
    admin = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    form = {
        "name": "Standard", "position": 0, "active": "on", "priorities": "[]", "channels": "[]",
        "requester_tiers": "[]", "first_reply_minutes": 60, "at_risk_share": 0.75,
        "bump_priority": "on",
    }  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True), at(START + timedelta(hours=2)):
        response = client.post(f"/admin/tickets/slapolicy/{policy.pk}/change/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    row = ticket.slas.get()
    assert (row.target_minutes, row.due_at) == (60, START + timedelta(minutes=60))
    ticket.refresh_from_db()
    assert ticket.due_at == START + timedelta(minutes=60)
    assert solved.slas.get().met is True  # a stopped target keeps its outcome
    with at(START + timedelta(hours=2, minutes=1)):
        assert len(sla_sweep().breached) == 1
