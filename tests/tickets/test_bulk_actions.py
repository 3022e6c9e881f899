"""Bulk actions from the queue: confirmation, one transaction per ticket through the single
change's services, and a summary of what was refused and why (access, exposure rule,
version conflict) that leaves the other tickets done."""

import pytest
from django.urls import reverse

from teams.models import Presence, Role, Sensitivity
from teams.services import exposure_opt_out
from tests.factories import AgentFactory, MacroFactory, TeamFactory, TicketFactory
from tickets import services
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def tickets(team, category):
    return [TicketFactory(team=team, category=category) for _ in range(3)]


@pytest.fixture
def lead_client(client, lead):
    client.force_login(lead.user)
    return client


def post(client, ids, **data):
    return client.post(reverse("tickets:bulk"), {"ticket": ids, **data})


def test_queue_rows_have_checkboxes_and_the_bar_states_its_limit(lead_client, tickets):
    html = lead_client.get(reverse("tickets:queue") + "?view=all").content.decode()
    assert f'name="ticket" value="{tickets[0].pk}" form="bulk-form"' in html
    assert "at most 200 tickets per action" in html


def test_confirmation_lists_the_tickets_and_changes_nothing(lead_client, tickets):
    ids = [t.pk for t in tickets]
    response = post(lead_client, ids, action="status", status="pending")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Confirm: Change status: Pending" in html
    assert f'value="{tickets[1].pk}:{tickets[1].version}"' in html
    assert not Ticket.objects.filter(status="pending").exists()


def test_confirmed_status_change_applies_to_each_ticket(lead_client, tickets):
    ids = [f"{t.pk}:{t.version}" for t in tickets]
    response = post(lead_client, ids, action="status", status="pending", confirm="1")
    assert response.status_code == 200
    assert "3 done, 0 refused" in response.content.decode()
    assert set(Ticket.objects.values_list("status", flat=True)) == {"pending"}


def test_refusals_are_reported_per_ticket_and_the_rest_is_done(
    lead_client, tickets, category, team
):
    stale, fine, foreign = tickets[0], tickets[1], TicketFactory(team=TeamFactory())
    ids = [f"{stale.pk}:{stale.version}", f"{fine.pk}:{fine.version}", str(foreign.pk)]
    services.ticket_update(ticket=stale, by=None, priority=4)  # someone else changed it
    response = post(lead_client, ids, action="tag", tags="refund, vip", confirm="1")
    html = response.content.decode()
    assert "1 done, 2 refused" in html
    assert f"{stale.reference}</td><td>Version conflict" in html
    assert f"{foreign.reference}</td><td>Access: not a ticket in your queues." in html
    assert sorted(fine.tags.values_list("name", flat=True)) == ["refund", "vip"]
    assert not stale.tags.exists()
    assert not foreign.tags.exists()


def test_exposure_refusal_is_reported_not_overridden(lead_client, team, category, sensitive):
    associate = AgentFactory(
        team=team, presence=Presence.AVAILABLE, clearance=Sensitivity.SENSITIVE,
        user__first_name="Ana", user__last_name="Lima",
    )  # fmt: skip
    exposure_opt_out(agent=associate)  # stepped out of sensitive work
    plain = TicketFactory(team=team, category=category)
    hard = TicketFactory(team=team, category=sensitive)
    ids = [f"{plain.pk}:{plain.version}", f"{hard.pk}:{hard.version}"]
    response = post(lead_client, ids, action="assign", assignee=str(associate.user.pk), confirm="1")
    html = response.content.decode()
    assert "1 done, 1 refused" in html
    assert f"{hard.reference}</td><td>Exposure rule: Ana Lima cannot be handed" in html
    assert "override" not in html.lower()
    plain.refresh_from_db()
    hard.refresh_from_db()
    assert plain.assignee == associate.user
    assert hard.assignee is None


def test_illegal_transition_is_refused_for_that_ticket_only(lead_client, tickets, lead):
    closed = tickets[0]
    services.ticket_change_status(ticket=closed, by=lead.user, status="solved")
    services.ticket_change_status(ticket=closed, by=lead.user, status="closed")
    response = post(
        lead_client, [t.pk for t in tickets], action="status", status="open", confirm="1"
    )
    html = response.content.decode()
    assert "2 done, 1 refused" in html
    assert f"{closed.reference}</td><td>Not allowed:" in html


def test_macro_in_bulk_goes_through_the_macro_service(lead_client, tickets):
    macro = MacroFactory(title="Known outage", body="We are on it.", actions={"tags": ["outage"]})
    response = post(lead_client, [t.pk for t in tickets], action="macro", macro=macro.pk,
                    confirm="1")  # fmt: skip
    assert "3 done, 0 refused" in response.content.decode()
    for t in tickets:
        assert list(t.tags.values_list("name", flat=True)) == ["outage"]
        assert t.messages.filter(body_text="We are on it.").exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"ticket": ["1"], "action": "explode"}, "Choose what to do"),
        ({"action": "status", "status": "pending"}, "Select at least one ticket"),
        ({"ticket": ["abc"], "action": "status", "status": "pending"}, "is not a ticket"),
        ({"ticket": ["1"], "action": "status", "status": "bogus"}, "Choose a status"),
        ({"ticket": [str(i) for i in range(1, 203)], "action": "tag", "tags": "x"}, "at most 200"),
    ],
)
def test_bad_input_is_400_with_the_reason(lead_client, data, message):
    response = lead_client.post(reverse("tickets:bulk"), data)
    assert response.status_code == 400
    assert message in response.content.decode()


def test_read_only_role_is_refused(client, team):
    viewer = AgentFactory(team=team, role=Role.QA_ANALYST)
    client.force_login(viewer.user)
    assert post(client, ["1"], action="tag", tags="x").status_code == 403
