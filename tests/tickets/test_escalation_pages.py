"""Manual escalation in the workspace, the Escalations page, notifications, and the API."""

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from teams.models import Role
from tests.factories import AgentFactory, TeamFactory, UserFactory
from tickets import services
from tickets.models import Escalation, Notification, SLAPolicy, TeamServiceSettings
from tickets.permissions import escalation_targets

BRIEF = {"tried": "Reset the password twice", "risk": "Account takeover", "needed": "T&S check"}


@pytest.fixture
def ticket(requester, category, team, lead):
    return services.ticket_create(
        subject="Can't log in", body="Someone else has my account", requester=requester,
        category=category, team=team,
    )  # fmt: skip


def tags(ticket):
    return set(ticket.tags.values_list("name", flat=True))


def escalate_form(**over):
    return {"reason": "Possible takeover", "level": "1", "team": "", **BRIEF, **over}


def test_associate_escalates_from_the_workspace_without_javascript(
    client, agent, lead, ticket, django_capture_on_commit_callbacks
):
    client.force_login(agent.user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("tickets:escalate", args=[ticket.pk]), escalate_form())
    assert response.status_code == 302
    escalation = Escalation.objects.get(ticket=ticket)
    assert (escalation.level, escalation.raised_by, escalation.brief) == (1, agent.user, BRIEF)
    assert escalation.ack_due_at is not None
    assert "escalated" in tags(ticket)
    notice = Notification.objects.get(user=lead.user, kind="escalation")
    assert ticket.reference in notice.text
    assert lead.user.email in [to for m in mail.outbox for to in m.to]
    page = client.get(response.url).content.decode()
    assert "Possible takeover" in page
    assert "Reset the password twice" in page


def test_escalation_without_a_brief_is_refused_and_keeps_what_was_typed(client, agent, ticket):
    client.force_login(agent.user)
    response = client.post(
        reverse("tickets:escalate", args=[ticket.pk]), escalate_form(tried="", needed="")
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "This field is required" in html
    assert 'value="Possible takeover"' in html
    assert not Escalation.objects.exists()


def test_escalating_to_a_specialist_team_hands_the_ticket_over(client, agent, ticket, sensitive):
    specialists = TeamFactory(
        name="Trust & Safety", categories=[ticket.category.slug, sensitive.slug]
    )
    ts_lead = AgentFactory(team=specialists, role=Role.LEAD)
    specialists.lead = ts_lead.user
    specialists.save()
    client.force_login(agent.user)
    response = client.post(
        reverse("tickets:escalate", args=[ticket.pk]),
        escalate_form(level="2", team=str(specialists.pk)),
    )
    assert response.status_code == 302
    assert response.url == reverse("tickets:queue")  # no longer in the associate's scope
    ticket.refresh_from_db()
    assert (ticket.team, ticket.assignee) == (specialists, None)
    assert Notification.objects.filter(user=ts_lead.user, kind="escalation").exists()


def test_lead_acknowledges_and_resolves_from_the_escalations_page(client, agent, lead, ticket):
    escalation = services.ticket_escalate(
        ticket=ticket, by=agent.user, reason="Possible takeover", level=1, brief=BRIEF
    )
    client.force_login(lead.user)
    page = client.get(reverse("tickets:escalations")).content.decode()
    assert ticket.reference in page
    assert "Reset the password twice" in page
    assert "T&amp;S check" in page
    assert "Acknowledge by" in page
    ack = reverse("tickets:escalation_acknowledge", args=[escalation.pk])
    assert client.post(ack).status_code == 302
    page = client.get(reverse("tickets:escalations")).content.decode()
    assert "Acknowledged by" in page
    resolve = reverse("tickets:escalation_resolve", args=[escalation.pk])
    response = client.post(resolve, {"note": "Account secured", "next": f"/tickets/{ticket.pk}/"})
    assert response.status_code == 302
    assert response.url == f"/tickets/{ticket.pk}/"
    escalation.refresh_from_db()
    assert (escalation.resolved_by, escalation.resolution_note) == (lead.user, "Account secured")
    assert "escalated" not in tags(ticket)
    open_page = client.get(reverse("tickets:escalations")).content.decode()
    assert f'id="escalation-{escalation.pk}"' not in open_page
    resolved = client.get(reverse("tickets:escalations") + "?state=resolved").content.decode()
    assert "Account secured" in resolved
    # The associate heard about both steps.
    assert Notification.objects.filter(user=agent.user, kind="escalation").count() == 2


def test_htmx_acknowledge_returns_the_list_fragment(client, agent, lead, ticket):
    escalation = services.ticket_escalate(
        ticket=ticket, by=agent.user, reason="Threat", level=1, brief=BRIEF
    )
    client.force_login(lead.user)
    response = client.post(
        reverse("tickets:escalation_acknowledge", args=[escalation.pk]), HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert 'id="escalation-rows"' in html
    assert "Acknowledged by" in html


def test_associate_may_not_acknowledge_and_outsiders_do_not_find_it(client, agent, ticket):
    escalation = services.ticket_escalate(
        ticket=ticket, by=agent.user, reason="Threat", level=1, brief=BRIEF
    )
    client.force_login(agent.user)
    ack = reverse("tickets:escalation_acknowledge", args=[escalation.pk])
    assert client.post(ack).status_code == 403
    assert "Acknowledge</button>" not in client.get(reverse("tickets:escalations")).content.decode()
    client.force_login(AgentFactory(team=TeamFactory(), role=Role.LEAD).user)
    assert client.post(ack).status_code == 404
    escalation.refresh_from_db()
    assert escalation.acknowledged_at is None


def test_notifications_page_lists_and_marks_read(client, agent, other_agent, lead, ticket):
    services.ticket_assign(ticket=ticket, by=lead.user, assignee=agent.user)
    client.force_login(agent.user)
    page = client.get(reverse("tickets:notifications")).content.decode()
    assert f"Assigned to you by {lead.user.get_full_name()}" in page
    assert ">New</span>" in page
    assert client.post(reverse("tickets:notifications_read")).status_code == 302
    assert not Notification.objects.filter(user=agent.user, read_at__isnull=True).exists()
    assert ">New</span>" not in client.get(reverse("tickets:notifications")).content.decode()


# Where an escalation may go ------------------------------------------------------------------


@pytest.fixture
def targets(ticket, team, sensitive, restricted):
    """Around a ticket of Account access: a trust & safety team serving it (and sensitive
    work), another vendor's peer team serving the same category, a specialist serving other
    categories only, and the team's configured onward team (serving nothing in particular)."""
    category = ticket.category.slug
    return {
        "trust": TeamFactory(name="Trust & Safety", categories=[category, sensitive.slug]),
        "peer": TeamFactory(name="Partner Care", categories=[category, "billing"]),
        "elsewhere": TeamFactory(name="Child Safety", categories=[restricted.slug]),
        "onward": TeamServiceSettings.objects.create(
            team=team, escalate_unacknowledged_to=TeamFactory(name="Care Leads")
        ).escalate_unacknowledged_to,
    }


def test_escalate_form_offers_only_specialists_serving_the_category(client, agent, ticket, targets):
    client.force_login(agent.user)
    page = client.get(reverse("tickets:detail", args=[ticket.pk])).content.decode()
    form = page[page.index('id="esc-team"') :]
    form = form[: form.index("</select>")]
    offered = [name for name in ("Trust &amp; Safety", "Partner Care", "Child Safety",
                                  "Care Leads", ticket.team.name) if name in form]  # fmt: skip
    assert offered == ["Trust &amp; Safety", "Care Leads"]
    assert "This ticket&#x27;s team" in form or "This ticket's team" in form


def test_escalating_to_a_peer_team_of_another_vendor_is_refused(client, agent, ticket, targets):
    client.force_login(agent.user)
    response = client.post(
        reverse("tickets:escalate", args=[ticket.pk]),
        escalate_form(level="2", team=str(targets["peer"].pk)),
    )
    assert response.status_code == 422
    assert "does not take escalations of this ticket" in response.content.decode()
    assert not Escalation.objects.exists()
    ticket.refresh_from_db()
    assert ticket.team != targets["peer"]


def test_designated_specialist_serving_the_category_is_a_target(ticket, targets, agent):
    ops = TeamFactory(name="Escalations Desk", categories=[ticket.category.slug])
    assert ops not in escalation_targets(agent.user, ticket)
    SLAPolicy.objects.create(name="Any", second_level_team=ops)
    assert ops in escalation_targets(agent.user, ticket)
    assert escalation_targets(UserFactory(), ticket) == []


# API -----------------------------------------------------------------------------------------


def api_for(user):
    api = APIClient()
    api.force_authenticate(user)
    return api


def test_api_escalate_acknowledge_and_resolve(agent, lead, ticket):
    body = {"reason": "Possible takeover", "level": 1, "brief": BRIEF}
    created = api_for(agent.user).post(
        f"/api/v1/tickets/{ticket.pk}/escalate/", body, format="json"
    )
    assert created.status_code == 201, created.content
    data = created.json()
    assert (data["level"], data["brief"], data["ticket_reference"]) == (1, BRIEF, ticket.reference)
    assert data["ack_due_at"] is not None
    lead_api = api_for(lead.user)
    listed = lead_api.get("/api/v1/escalations/?state=open").json()["results"]
    assert [e["id"] for e in listed] == [data["id"]]
    assert (
        api_for(agent.user).post(f"/api/v1/escalations/{data['id']}/acknowledge/").status_code
        == 403
    )
    acked = lead_api.post(f"/api/v1/escalations/{data['id']}/acknowledge/")
    assert acked.status_code == 200
    assert acked.json()["acknowledged_by"] == lead.user_id
    resolved = lead_api.post(
        f"/api/v1/escalations/{data['id']}/resolve/", {"note": "Secured"}, format="json"
    )
    assert resolved.json()["resolution_note"] == "Secured"
    assert lead_api.get("/api/v1/escalations/?state=open").json()["results"] == []


def test_api_escalate_rejects_bad_input_with_reasons(agent, ticket):
    api = api_for(agent.user)
    url = f"/api/v1/tickets/{ticket.pk}/escalate/"
    missing = api.post(url, {"reason": "x", "brief": {"tried": ""}}, format="json")
    assert missing.status_code == 400
    assert "tried" in missing.json()["brief"]
    assert "needed" in missing.json()["brief"]
    bad_team = api.post(url, {"reason": "x", "team": 99999, "brief": BRIEF}, format="json")
    assert bad_team.status_code == 400
    assert "team" in bad_team.json()
    assert api.get("/api/v1/escalations/?state=maybe").status_code == 400
    assert api.get("/api/v1/escalations/?ticket=abc").status_code == 400


def test_api_escalates_only_to_the_ticket_targets(agent, ticket, targets):
    api = api_for(agent.user)
    url = f"/api/v1/tickets/{ticket.pk}/escalate/"
    body = {"reason": "Threat", "level": 2, "brief": BRIEF}
    peer = api.post(url, {**body, "team": targets["peer"].pk}, format="json")
    assert peer.status_code == 400
    assert "does not take escalations" in str(peer.json())
    assert not Escalation.objects.exists()
    trust = api.post(url, {**body, "team": targets["trust"].pk}, format="json")
    assert trust.status_code == 201, trust.content
    assert trust.json()["team"] == targets["trust"].pk


def test_api_escalations_are_scoped_to_visible_tickets(agent, ticket):
    services.ticket_escalate(ticket=ticket, by=agent.user, reason="Threat", level=1, brief=BRIEF)
    outsider = api_for(AgentFactory(team=TeamFactory()).user)
    assert outsider.get("/api/v1/escalations/").json()["results"] == []
    assert (
        len(api_for(agent.user).get(f"/api/v1/escalations/?ticket={ticket.pk}").json()["results"])
        == 1
    )


def test_schema_documents_the_escalation_endpoints(client):
    schema = client.get("/api/schema/").content.decode()
    for path in (
        "/api/v1/tickets/{id}/escalate/",
        "/api/v1/escalations/",
        "/api/v1/escalations/{id}/acknowledge/",
        "/api/v1/escalations/{id}/resolve/",
    ):
        assert path in schema


def test_escalations_page_query_count_does_not_grow_with_rows(
    client, agent, lead, requester, category, team, django_assert_max_num_queries
):
    client.force_login(lead.user)
    url = reverse("tickets:escalations")

    def add(n):
        for i in range(n):
            t = services.ticket_create(
                subject=f"T{i}", body="x", requester=requester, category=category, team=team
            )
            services.ticket_escalate(ticket=t, by=agent.user, reason="r", level=1, brief=BRIEF)

    add(1)
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    add(6)
    with django_assert_max_num_queries(len(one.captured_queries)):
        page = client.get(url)
    assert page.content.decode().count('<tr class="escalation') == 7
