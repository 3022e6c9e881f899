"""Every door a ticket comes in by (API, help form, e-mail) gives it its SLA targets when a
policy applies: a due time on the ticket, in the team's business hours."""

from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

import pytest
import time_machine
from rest_framework.test import APIClient

from tickets import services
from tickets.models import BusinessHours, SLAPolicy, TeamServiceSettings, Ticket, TicketSLA

pytestmark = pytest.mark.django_db

# Monday 2026-11-30 10:00 UTC
MONDAY_10 = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)


@pytest.fixture
def high_policy(db):
    return SLAPolicy.objects.create(
        name="High",
        priorities=[3],
        first_reply_minutes=60,
        next_reply_minutes=120,
        resolution_minutes=8 * 60,
        business_time=False,
    )


@pytest.fixture
def normal_policy(db):
    return SLAPolicy.objects.create(
        name="Normal",
        priorities=[2],
        first_reply_minutes=4 * 60,
        next_reply_minutes=8 * 60,
        resolution_minutes=24 * 60,
        business_time=False,
    )


@pytest.fixture
def api(agent):
    client = APIClient()
    client.force_authenticate(agent.user)
    return client


def _post(api, **extra):
    body = {"subject": "Refund", "body": "Charged twice", "requester_email": "a@b.org",
            "category": "account-access", "priority": "high", **extra}  # fmt: skip
    response = api.post("/api/v1/tickets/", body, format="json")
    assert response.status_code == 201, response.content
    return response.json()


@time_machine.travel(MONDAY_10, tick=False)
def test_a_ticket_opened_through_the_api_for_a_requester_gets_its_resolution_due_time(
    api, category, high_policy
):
    # The agent writes the opening message (on_behalf, the default): no first-reply target
    # (Zendesk semantics), but the resolution clock runs.
    data = _post(api)

    due = MONDAY_10 + timedelta(hours=8)
    assert datetime.fromisoformat(data["due_at"]) == due
    ticket = Ticket.objects.get(pk=data["id"])
    assert ticket.due_at == due
    assert set(ticket.slas.values_list("kind", flat=True)) == {"resolution"}


@time_machine.travel(MONDAY_10, tick=False)
def test_a_ticket_the_requester_wrote_through_the_api_gets_a_first_reply_due_time(
    api, category, high_policy
):
    data = _post(api, on_behalf=False)

    assert datetime.fromisoformat(data["due_at"]) == MONDAY_10 + timedelta(hours=1)
    kinds = set(TicketSLA.objects.filter(ticket_id=data["id"]).values_list("kind", flat=True))
    assert kinds == {"first_reply", "resolution"}


@time_machine.travel(MONDAY_10, tick=False)
def test_api_targets_count_in_the_team_business_hours(api, agent, category, high_policy):
    high_policy.business_time = True
    high_policy.save()
    hours = BusinessHours.objects.create(
        name="Weekdays 09-17 London",
        time_zone="Europe/London",
        weekly=[[d, 9 * 60, 17 * 60] for d in range(5)],
        holiday_country="GB",
    )
    TeamServiceSettings.objects.create(team=agent.team, business_hours=hours)

    data = _post(api)

    # 8 business hours from Monday 10:00 London (UTC in winter): 7 h on Monday, 1 h on Tuesday.
    assert datetime.fromisoformat(data["due_at"]) == datetime(2026, 12, 1, 10, 0, tzinfo=UTC)


@time_machine.travel(MONDAY_10, tick=False)
def test_a_help_form_ticket_gets_its_first_reply_due_time(category, team, normal_policy):
    ticket = services.ticket_submit_web(
        subject="Locked out", description="Help", email="r@example.org", name="R",
        category=category,
    )  # fmt: skip

    ticket.refresh_from_db()
    assert ticket.due_at == MONDAY_10 + timedelta(hours=4)


@time_machine.travel(MONDAY_10, tick=False)
def test_an_emailed_ticket_gets_its_first_reply_due_time(category, team, normal_policy):
    msg = EmailMessage()
    msg["From"] = "Maya <maya@users.example.org>"
    msg["To"] = "support@frontline.localhost"
    msg["Subject"] = "App crashes"
    msg["Message-ID"] = "<door-test@users.example.org>"
    msg.set_content("It crashes on start.")

    result = services.email_ingest(raw=msg.as_bytes())

    result.ticket.refresh_from_db()
    assert result.ticket.channel == "email"
    assert result.ticket.due_at == MONDAY_10 + timedelta(hours=4)
