"""The Escalations page as a compact table: overdue acknowledgements first and marked in
words, sortable columns, and bulk acknowledge (each through the single-acknowledge rule)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import TeamFactory
from tickets import services
from tickets.models import Escalation

BRIEF = {"tried": "Reset", "risk": "Takeover", "needed": "Check"}


@pytest.fixture
def make(requester, category, team, lead, agent):
    def escalate(subject, *, overdue=False, to=None):
        ticket = services.ticket_create(
            subject=subject, body="x", requester=requester, category=category, team=to or team
        )
        escalation = services.ticket_escalate(
            ticket=ticket, by=agent.user, reason="Risky", level=1, brief=BRIEF
        )
        if overdue:
            Escalation.objects.filter(pk=escalation.pk).update(
                ack_due_at=timezone.now() - timedelta(minutes=30)
            )
        return escalation

    return escalate


def test_overdue_acknowledgements_come_first_and_say_so(client, lead, make):
    on_time = make("On time")
    late = make("Late one", overdue=True)
    client.force_login(lead.user)
    for sort in ("ack", "raised", "level", "ticket"):
        html = client.get(reverse("tickets:escalations"), {"sort": sort}).content.decode()
        assert html.index(f'id="escalation-{late.pk}"') < html.index(
            f'id="escalation-{on_time.pk}"'
        )
    assert "Acknowledgement overdue</strong> since" in html
    assert "<table" in html


def test_bulk_acknowledge_takes_on_the_ticked_and_reports_refusals(client, lead, make):
    first, second = make("One"), make("Two", overdue=True)
    elsewhere = make("Other team", to=TeamFactory())
    client.force_login(lead.user)
    response = client.post(
        reverse("tickets:escalation_bulk_acknowledge"),
        {"escalation": [first.pk, second.pk, elsewhere.pk]},
        follow=True,
    )
    html = response.content.decode()
    assert f"Acknowledged 2: FL-{first.ticket_id}, FL-{second.ticket_id}." in html
    assert f"Refused 1: #{elsewhere.pk} (not in your queues)." in html
    for escalation in (first, second):
        escalation.refresh_from_db()
        assert escalation.acknowledged_by == lead.user
    elsewhere.refresh_from_db()
    assert elsewhere.acknowledged_at is None


def test_bulk_acknowledge_is_refused_to_an_associate(client, agent, make):
    """As one at a time: an associate's role does not take on escalations (403)."""
    escalation = make("One")
    client.force_login(agent.user)
    response = client.post(
        reverse("tickets:escalation_bulk_acknowledge"), {"escalation": [escalation.pk]}
    )
    assert response.status_code == 403
    escalation.refresh_from_db()
    assert escalation.acknowledged_at is None


def test_bulk_acknowledge_with_nothing_ticked_says_so(client, lead):
    client.force_login(lead.user)
    response = client.post(reverse("tickets:escalation_bulk_acknowledge"), follow=True)
    assert "Tick between 1 and 200 escalations" in response.content.decode()
