"""Settings → Macros: personal and shared macros by role, the live preview against a ticket,
validation (nothing saved, a message), the audit's before/after, the stale-policy flag linking
to the edit and clearing on save, and the assignee action applied on a ticket."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from teams.models import AuditEntry, PolicyArticle, Role
from teams.services import policy_publish
from tests.factories import AgentFactory, TeamFactory, TicketFactory
from tickets.models import Macro
from tickets.services import macro_save, ticket_apply_macro

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(db):
    return AgentFactory(role=Role.ADMIN, user__is_superuser=True, user__is_staff=True).user


def form(**over):
    data = {
        "title": "Password reset sent",
        "shared_with": "personal",
        "body": "Hi {{requester.first_name}}, we reset the password on {{ticket.reference}}.",
        "active": "on",
        "status": "pending",
        "priority": "",
        "category": "",
        "tags": "password, login",
        "assignee": "",
        "internal_note": "",
        "preview_ticket": "",
    }
    data.update(over)
    return data


def test_associate_creates_a_personal_macro_audited_and_offered_only_to_them(
    client, agent, other_agent, category, team
):
    client.force_login(agent.user)
    response = client.post(reverse("settings:macro_new"), form())
    assert response.status_code == 302
    macro = Macro.objects.get()
    assert macro.owner == agent.user
    assert macro.team is None
    assert macro.actions == {"status": "pending", "tags": ["password", "login"]}
    entry = AuditEntry.objects.get(action=AuditEntry.Action.SETTING_CHANGE)
    assert entry.detail["section"] == "macros"
    assert entry.detail["before"] is None
    assert entry.detail["after"]["title"] == macro.title

    ticket = TicketFactory(team=team, category=category)
    page = client.get(reverse("tickets:detail", args=[ticket.pk])).content.decode()
    assert "Password reset sent (personal)" in page
    client.force_login(other_agent.user)
    page = client.get(reverse("tickets:detail", args=[ticket.pk])).content.decode()
    assert "Password reset sent" not in page
    assert client.get(reverse("settings:macro_edit", args=[macro.pk])).status_code == 404


def test_associate_may_not_share_with_a_team(client, agent, team):
    client.force_login(agent.user)
    response = client.post(reverse("settings:macro_new"), form(shared_with=str(team.pk)))
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert not Macro.objects.exists()


def test_lead_edits_their_teams_macro_not_another_teams(client, lead, team):
    own = Macro.objects.create(title="Own", body="Hi", team=team)
    other = Macro.objects.create(title="Other", body="Hi", team=TeamFactory())
    everyone = Macro.objects.create(title="Everyone", body="Hi")
    client.force_login(lead.user)
    listing = client.get(reverse("settings:macros")).content.decode()
    assert "Own" in listing
    assert "Other" not in listing
    assert "Everyone" not in listing
    assert client.get(reverse("settings:macro_edit", args=[other.pk])).status_code == 404
    assert client.get(reverse("settings:macro_edit", args=[everyone.pk])).status_code == 404
    response = client.post(
        reverse("settings:macro_edit", args=[own.pk]),
        form(title="Own v2", shared_with=str(team.pk), priority="3"),
    )
    assert response.status_code == 302
    own.refresh_from_db()
    assert own.title == "Own v2"
    assert own.team == team
    assert own.actions["priority"] == 3
    entry = AuditEntry.objects.get(action=AuditEntry.Action.SETTING_CHANGE)
    assert entry.detail["before"]["title"] == "Own"
    assert entry.detail["after"]["title"] == "Own v2"
    assert "title" in entry.detail["changed"]


def test_admin_shares_with_every_team_qa_analyst_has_no_macro_section(client, admin):
    client.force_login(admin)
    assert "Macros" in client.get(reverse("settings:index")).content.decode()
    response = client.post(reverse("settings:macro_new"), form(shared_with="all"))
    assert response.status_code == 302
    macro = Macro.objects.get()
    assert macro.team is None
    assert macro.owner is None
    qa = AgentFactory(role=Role.QA_ANALYST).user
    client.force_login(qa)
    assert client.get(reverse("settings:macros")).status_code == 403


@pytest.mark.parametrize(
    ("over", "message"),
    [
        ({"body": "Hi {{requester.nmae}}"}, "Unknown placeholder: {{requester.nmae}}"),
        ({"body": "", "status": "", "tags": ""}, "A macro needs a reply, an action or both."),
        ({"title": ""}, "This field is required."),
        ({"status": "deleted"}, "Select a valid choice"),
    ],
)
def test_invalid_macro_saves_nothing_and_says_why(client, agent, over, message):
    client.force_login(agent.user)
    response = client.post(reverse("settings:macro_new"), form(**over))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Macro.objects.exists()
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.SETTING_CHANGE).exists()


def test_preview_fills_placeholders_from_the_chosen_ticket_and_saves_nothing(
    client, agent, team, category
):
    ticket = TicketFactory(team=team, category=category, requester__name="Maria Silva")
    client.force_login(agent.user)
    response = client.post(
        reverse("settings:macro_new_preview"), form(preview_ticket=f"FL-{ticket.pk}")
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert f"Hi Maria, we reset the password on FL-{ticket.pk}." in body
    assert "Set status: Pending" in body
    assert not Macro.objects.exists()
    hidden = TicketFactory(team=TeamFactory(), category=category)
    response = client.post(
        reverse("settings:macro_new_preview"), form(preview_ticket=f"FL-{hidden.pk}")
    )
    assert "in your queues" in response.content.decode()


def test_stale_policy_flag_links_to_the_edit_and_saving_clears_it(client, lead, team, category):
    article = PolicyArticle.objects.create(title="Refunds", slug="refunds", created_by=lead.user)
    publish = {"by": lead.user, "article": article, "teams": [team]}
    policy_publish(body="14 days", effective_date=date(2026, 11, 1), **publish)
    macro = macro_save(macro=Macro(title="Refund", body="Done.", team=team, policy_article=article))
    policy_publish(body="30 days", effective_date=date(2026, 12, 1), **publish)
    client.force_login(lead.user)
    edit = reverse("settings:macro_edit", args=[macro.pk])
    ticket = TicketFactory(team=team, category=category)
    page = client.get(reverse("tickets:detail", args=[ticket.pk]), {"macro": macro.pk})
    assert f'href="{edit}"' in page.content.decode()
    assert (
        f'href="{edit}">Policy changed' in client.get(reverse("settings:macros")).content.decode()
    )
    data = form(title="Refund", shared_with=str(team.pk), body="Refunds within 30 days.")
    data["policy_article"] = article.pk
    assert client.post(edit, data).status_code == 302
    assert not Macro.objects.needing_policy_review().exists()
    assert "Policy changed" not in client.get(reverse("settings:macros")).content.decode()


def test_assignee_action_assigns_the_ticket(lead, agent, team, category):
    macro = Macro.objects.create(title="To Ana", body="", team=team,
                                 actions={"assignee": agent.user.pk, "priority": 3})  # fmt: skip
    ticket = TicketFactory(team=team, category=category)
    ticket = ticket_apply_macro(ticket=ticket, by=lead.user, macro=macro)
    assert ticket.assignee == agent.user
    assert ticket.priority == 3
