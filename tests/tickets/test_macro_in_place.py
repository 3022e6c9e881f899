"""Macros in place (htmx fills the editor and says what the macro will change), the
"Keep status" regression, and "Send and next"."""

import pytest
from django.urls import reverse

from tests.factories import MacroFactory
from tickets import services
from tickets.models import Ticket


@pytest.fixture
def ticket(requester, category, team):
    return services.ticket_create(
        subject="Can't log in", body="Wrong password", requester=requester,
        category=category, team=team,
    )  # fmt: skip


@pytest.fixture
def agent_client(client, agent):
    client.force_login(agent.user)
    return client


@pytest.fixture
def pending_macro(db):
    return MacroFactory(
        title="Ask for details",
        body="Hi {{requester.first_name}}, could you send a screenshot?",
        actions={"status": "pending", "tags": ["needs-info"], "priority": 3},
    )


def test_macro_fills_the_editor_in_place_and_lists_its_changes(agent_client, ticket, pending_macro):
    response = agent_client.get(
        reverse("tickets:macro", args=[ticket.pk]),
        {"macro": pending_macro.pk},
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<form method="post"')  # the editor alone, no page
    assert "Hi Maya, could you send a screenshot?" in html
    assert "Status: Pending" in html
    assert "Add tags: needs-info" in html
    assert "Priority: High" in html
    assert '<option value="pending" selected>' in html  # its status shown, still changeable
    ticket.refresh_from_db()
    assert ticket.messages.count() == 1
    assert not ticket.tags.exists()


def test_unknown_macro_in_place_is_404(agent_client, ticket):
    response = agent_client.get(
        reverse("tickets:macro", args=[ticket.pk]), {"macro": 999999}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 404


def test_keep_status_wins_over_the_macros_status(agent_client, ticket, agent, pending_macro):
    """Regression: a macro set Pending although the form said "Keep status"."""
    services.ticket_assign(ticket=ticket, by=agent.user, assignee=agent.user)
    services.ticket_change_status(ticket=ticket, by=agent.user, status="open")
    ticket.refresh_from_db()
    response = agent_client.post(
        reverse("tickets:reply", args=[ticket.pk]),
        {"body": "Hi, a screenshot please", "macro": pending_macro.pk, "status": "",
         "version": ticket.version},
    )  # fmt: skip
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.OPEN
    assert list(ticket.tags.values_list("name", flat=True)) == ["needs-info"]  # rest applied


def test_chosen_status_and_macro_default_still_apply(ticket, agent, pending_macro):
    done = services.ticket_apply_macro(ticket=ticket, by=agent.user, macro=pending_macro)
    assert done.status == Ticket.Status.PENDING  # no choice given: the macro decides
    macro = MacroFactory(body="Fixed!", actions={"status": "pending"})
    done = services.ticket_apply_macro(ticket=done, by=agent.user, macro=macro, status="solved")
    assert done.status == Ticket.Status.SOLVED


def test_send_and_next_replies_sets_status_and_opens_the_next_ticket(
    agent_client, ticket, agent, requester, category, team
):
    services.ticket_assign(ticket=ticket, by=agent.user, assignee=agent.user)
    waiting = services.ticket_create(
        subject="Refund", body="Please", requester=requester, category=category, team=team
    )
    ticket.refresh_from_db()
    response = agent_client.post(
        reverse("tickets:reply", args=[ticket.pk]),
        {"body": "Done, all fixed.", "status": "solved", "then": "next",
         "version": ticket.version},
    )  # fmt: skip
    assert response.status_code == 302
    next_url = reverse("tickets:detail", args=[waiting.pk])
    assert response["Location"] == f"{next_url}?sent_from={ticket.pk}"
    ticket.refresh_from_db()
    waiting.refresh_from_db()
    assert ticket.status == Ticket.Status.SOLVED
    assert ticket.messages.last().body_text == "Done, all fixed."
    assert waiting.assignee == agent.user


def test_send_and_next_with_nothing_waiting_returns_to_the_queue(agent_client, ticket):
    response = agent_client.post(
        reverse("tickets:reply", args=[ticket.pk]),
        {"body": "Done.", "status": "solved", "then": "next", "version": ticket.version},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert response["HX-Redirect"] == f"{reverse('tickets:queue')}?sent_from={ticket.pk}"
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.SOLVED
