"""The SLA sweep (at risk, breach, second level; idempotent) and manual escalation."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from teams.models import Role, Sensitivity
from tests.factories import AgentFactory, TeamFactory
from tickets.models import (
    Escalation,
    Notification,
    SLAPolicy,
    TeamServiceSettings,
    Ticket,
    TicketSLA,
)
from tickets.selectors import ticket_list_for_queue
from tickets.services import ticket_create, ticket_reply, ticket_requester_reply
from tickets.services.escalation import (
    escalation_acknowledge,
    escalation_resolve,
    sla_sweep,
    ticket_escalate,
)

pytestmark = pytest.mark.django_db
START = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def at(when):
    return time_machine.travel(when, tick=False)


@pytest.fixture
def policy(db):
    return SLAPolicy.objects.create(
        name="Standard",
        first_reply_minutes=60,
        next_reply_minutes=60,
        business_time=False,
        at_risk_share=0.5,
    )


@pytest.fixture
def ticket(requester, category, team, agent, lead, policy):
    with at(START):
        t = ticket_create(
            subject="Locked out", body="Help", requester=requester, category=category, team=team
        )
    Ticket.objects.filter(pk=t.pk).update(assignee=agent.user)
    t.refresh_from_db()
    return t


def tags(ticket):
    return set(ticket.tags.values_list("name", flat=True))


def test_at_risk_notifies_the_assignee_once(ticket, agent, django_capture_on_commit_callbacks):
    with at(START + timedelta(minutes=20)):
        assert sla_sweep().at_risk == []
    with django_capture_on_commit_callbacks(execute=True), at(START + timedelta(minutes=31)):
        first = sla_sweep()
        again = sla_sweep()
    assert len(first.at_risk) == 1
    assert again.at_risk == []
    notice = Notification.objects.get(user=agent.user)
    assert notice.kind == "sla_at_risk"
    assert ticket.reference in notice.text
    assert [m.to for m in mail.outbox] == [[agent.user.email]]


def test_breach_escalates_once_bumps_priority_tags_and_notifies(
    ticket, agent, lead, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True), at(START + timedelta(minutes=61)):
        result = sla_sweep()
        assert sla_sweep().breached == []
    assert len(result.breached) == 1
    ticket.refresh_from_db()
    assert ticket.priority == Ticket.Priority.HIGH  # bumped from normal
    assert "escalated" in tags(ticket)
    esc = Escalation.objects.get(ticket=ticket)
    assert (esc.level, esc.source) == (1, Escalation.Source.SLA)
    row = TicketSLA.objects.get(ticket=ticket, kind="first_reply")
    assert row.breached_at == START + timedelta(minutes=60)
    assert row.met is False
    kinds = set(Notification.objects.values_list("user_id", "kind"))
    assert kinds >= {(agent.user_id, "sla_breached"), (lead.user_id, "sla_breached")}
    # The lead sees it in the Escalations queue.
    with at(START + timedelta(minutes=62)):
        queue = ticket_list_for_queue(user=lead.user, view="escalations")
        assert ticket in queue


def test_agent_reply_before_the_sweep_prevents_escalation(ticket, agent):
    with at(START + timedelta(minutes=59)):
        ticket_reply(ticket=ticket, by=agent.user, body="On it")
    with at(START + timedelta(hours=3)):
        assert sla_sweep().breached == []
    assert not Escalation.objects.exists()


def test_next_reply_breach_and_answered_ticket_not_escalated(ticket, agent, requester):
    with at(START + timedelta(minutes=5)):
        ticket_reply(ticket=ticket, by=agent.user, body="Which device?")
    with at(START + timedelta(minutes=10)):
        ticket_requester_reply(ticket=ticket, requester=requester, body_html="<p>Phone</p>")
    with at(START + timedelta(minutes=40)):
        ticket_reply(ticket=ticket, by=agent.user, body="Thanks")
    with at(START + timedelta(hours=5)):
        assert sla_sweep().breached == []


def test_second_level_goes_to_the_specialist_team(ticket, policy):
    trust = TeamFactory(name="Trust & Safety")
    ts_lead = AgentFactory(team=trust, role=Role.LEAD, clearance=Sensitivity.RESTRICTED)
    trust.lead = ts_lead.user
    trust.save()
    policy.second_level_team = trust
    policy.second_level_after_minutes = 30
    policy.save()
    with at(START + timedelta(minutes=61)):
        sla_sweep()
    with at(START + timedelta(minutes=80)):
        assert sla_sweep().second_level == []  # not yet 30 minutes past the breach
    with at(START + timedelta(minutes=91)):
        assert len(sla_sweep().second_level) == 1
        assert sla_sweep().second_level == []
    ticket.refresh_from_db()
    assert (ticket.team, ticket.assignee) == (trust, None)
    assert Escalation.objects.get(ticket=ticket, level=2).team == trust
    assert Notification.objects.filter(user=ts_lead.user, kind="escalation").count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_sweeps_escalate_each_breach_once(ticket):
    if connection.vendor != "postgresql":
        pytest.skip("row-level concurrency is checked on PostgreSQL")
    results, errors = [], []

    def run():
        try:
            results.append(sla_sweep(now=START + timedelta(minutes=61)))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sum(len(r.breached) for r in results) == 1
    assert Escalation.objects.filter(ticket=ticket).count() == 1
    ticket.refresh_from_db()
    assert ticket.priority == Ticket.Priority.HIGH


def test_manual_escalation_needs_a_brief_and_notifies_the_lead(ticket, agent, lead):
    with pytest.raises(ValidationError):
        ticket_escalate(ticket=ticket, by=agent.user, reason="Threat", level=1, brief={})
    esc = ticket_escalate(
        ticket=ticket,
        by=agent.user,
        reason="Requester reports a threat",
        level=1,
        brief={"tried": "Reset", "risk": "High", "needed": "T&S review"},
    )
    assert "escalated" in tags(ticket)
    assert Notification.objects.filter(user=lead.user, kind="escalation").exists()
    with pytest.raises(PermissionDenied):
        escalation_acknowledge(escalation=esc, by=agent.user)
    escalation_acknowledge(escalation=esc, by=lead.user)
    escalation_resolve(escalation=esc, by=lead.user)
    esc.refresh_from_db()
    assert esc.acknowledged_by == lead.user
    assert esc.resolved_at is not None
    assert "escalated" not in tags(ticket)


# SLA escalations carry the acknowledgement deadline of manual ones ---------------------------


@pytest.fixture
def trust(policy):
    """A specialist team the policy sends long breaches to, with its own 15-minute deadline."""
    trust = TeamFactory(name="Trust & Safety")
    trust.lead = AgentFactory(team=trust, role=Role.LEAD).user
    trust.save()
    TeamServiceSettings.objects.create(team=trust, escalation_ack_minutes=15)
    return trust


def test_sla_breach_unacknowledged_by_the_deadline_goes_up_once(
    ticket, lead, manager, team, settings
):
    settings.FRONTLINE = {**settings.FRONTLINE, "ESCALATION_ACK_MINUTES": 30}
    with at(START + timedelta(minutes=61)):
        sla_sweep()
    esc = Escalation.objects.get(ticket=ticket, source=Escalation.Source.SLA)
    assert (esc.team, esc.ack_due_at) == (team, START + timedelta(minutes=91))
    with at(START + timedelta(minutes=90)):
        assert sla_sweep().ack_missed == []
    with at(START + timedelta(minutes=92)):
        assert sla_sweep().ack_missed == [esc.pk]
        assert sla_sweep().ack_missed == []
    further = Escalation.objects.get(parent=esc)
    assert (further.level, further.source) == (2, Escalation.Source.ACK_MISSED)
    assert further.ack_due_at == START + timedelta(minutes=122)
    assert Notification.objects.filter(user=manager.user, kind="escalation").count() == 1


def test_sla_breach_acknowledged_in_time_stays_with_the_lead(ticket, lead, manager):
    with at(START + timedelta(minutes=61)):
        sla_sweep()
    esc = Escalation.objects.get(ticket=ticket)
    with at(START + timedelta(minutes=70)):
        escalation_acknowledge(escalation=esc, by=lead.user)
    with at(START + timedelta(hours=6)):
        assert sla_sweep().ack_missed == []
    assert Escalation.objects.filter(ticket=ticket).count() == 1
    assert not Notification.objects.filter(user=manager.user).exists()


def test_team_ack_minutes_apply_to_sla_breaches(ticket, lead, team):
    TeamServiceSettings.objects.create(team=team, escalation_ack_minutes=5)
    with at(START + timedelta(minutes=61)):
        sla_sweep()
    esc = Escalation.objects.get(ticket=ticket)
    assert esc.ack_due_at == START + timedelta(minutes=66)


def test_two_missed_breaches_of_one_ticket_raise_it_one_level(ticket, lead, policy):
    policy.resolution_minutes = 60
    policy.save()
    with at(START):
        ticket_reply(ticket=ticket, by=lead.user, body="Looking")  # first reply met
    TicketSLA.objects.filter(ticket=ticket).update(
        due_at=START + timedelta(minutes=60), at_risk_at=START, stopped_at=None, met=None
    )
    with at(START + timedelta(minutes=61)):
        assert len(sla_sweep().breached) == 2
    with at(START + timedelta(hours=2)):
        assert len(sla_sweep().ack_missed) == 2
    raised = Escalation.objects.filter(ticket=ticket, source=Escalation.Source.ACK_MISSED)
    assert list(raised.values_list("level", flat=True)) == [2]


def test_specialist_level_from_the_policy_has_its_team_deadline_and_is_not_doubled(
    ticket, lead, policy, trust, settings
):
    settings.FRONTLINE = {**settings.FRONTLINE, "ESCALATION_ACK_MINUTES": 120}
    policy.second_level_team, policy.second_level_after_minutes = trust, 30
    policy.save()
    with at(START + timedelta(minutes=61)):
        sla_sweep()
    with at(START + timedelta(minutes=91)):
        assert len(sla_sweep().second_level) == 1
    second = Escalation.objects.get(ticket=ticket, level=2)
    assert (second.team, second.ack_due_at) == (trust, START + timedelta(minutes=106))
    # The lead's own deadline passes while the ticket is already with the specialists.
    with at(START + timedelta(minutes=182)):
        sla_sweep()
    assert not Escalation.objects.filter(ticket=ticket, level=2).exclude(pk=second.pk).exists()
    # The specialists missed theirs: level 3.
    assert Escalation.objects.get(parent=second).level == 3


def test_missed_acknowledgement_first_means_no_second_policy_level(ticket, lead, policy, trust):
    policy.second_level_team, policy.second_level_after_minutes = trust, 60
    policy.save()
    with at(START + timedelta(minutes=61)):
        sla_sweep()
    with at(START + timedelta(minutes=92)):
        assert len(sla_sweep().ack_missed) == 1
    with at(START + timedelta(minutes=122)):
        assert sla_sweep().second_level == []
    assert Escalation.objects.filter(ticket=ticket, level=2).count() == 1
    ticket.refresh_from_db()
    assert ticket.team != trust
