"""The workspace's pickers and escalation routes are kept between pages (tickets.choices) and
show every change to what they are read from on the next page."""

from datetime import date

import pytest
from django.urls import reverse

from core.cache import cache_version
from teams.models import Agent, PolicyArticle, Presence, Role, Sensitivity
from teams.services import policy_publish
from teams.services.presence import presence_set
from tests.factories import AgentFactory, CategoryFactory, MacroFactory, TeamFactory
from tickets import services
from tickets.caches import CHOICES
from tickets.models import Macro, SLAPolicy
from tickets.services import macro_save


@pytest.fixture
def ticket(requester, category, team):
    return services.ticket_create(
        subject="Locked out", body="b", requester=requester, category=category, team=team
    )


@pytest.fixture
def page(client, agent, ticket):
    client.force_login(agent.user)

    def get():
        return client.get(reverse("tickets:detail", args=[ticket.pk])).content.decode()

    return get


def test_macro_picker_shows_new_renamed_and_retired_macros(page, team):
    assert "Refund issued" not in page()
    macro = MacroFactory(title="Refund issued", team=team)
    MacroFactory(title="Another team's macro", team=TeamFactory())
    html = page()
    assert "Refund issued" in html
    assert "Another team&#x27;s macro" not in html
    macro.title = "Refund sent"
    macro.save()
    assert "Refund sent" in page()
    macro.active = False
    macro.save()
    assert "Refund sent" not in page()


def test_macro_is_flagged_on_the_next_page_after_its_policy_changes(page, lead, team):
    article = PolicyArticle.objects.create(title="Refunds", slug="refunds", created_by=lead.user)
    publish = {"by": lead.user, "article": article, "teams": [team]}
    policy_publish(body="14 days.", effective_date=date(2026, 1, 1), **publish)
    macro_save(macro=Macro(title="Refund issued", body="Done.", policy_article=article))
    assert "Refund issued (policy changed" not in page()
    policy_publish(body="30 days.", effective_date=date(2026, 2, 1), **publish)
    assert "Refund issued (policy changed — check before sending)" in page()


def test_assignee_picker_follows_names_status_and_clearance(page, team, other_agent):
    assert "Ben Okafor" in page()
    other_agent.user.last_name = "Okafor-Diaz"
    other_agent.user.save()
    assert "Ben Okafor-Diaz" in page()
    other_agent.status = Agent.Status.ON_LEAVE
    other_agent.save()
    assert "Ben Okafor-Diaz" not in page()
    AgentFactory(team=team, user__first_name="Cleo", user__last_name="Park")
    assert "Cleo Park" in page()


def test_presence_and_sign_ins_keep_the_choices(agent, client):
    before = cache_version(CHOICES.version_key)
    presence_set(agent=agent, status=Presence.BREAK)
    client.force_login(agent.user)  # saves last_login only
    assert cache_version(CHOICES.version_key) == before
    agent.clearance = Sensitivity.SENSITIVE
    agent.save()
    assert cache_version(CHOICES.version_key) != before


def test_category_picker_shows_new_and_renamed_categories(page, category):
    CategoryFactory(slug="billing", name="Billing")
    CategoryFactory(slug="abuse", name="Child safety", sensitivity=Sensitivity.RESTRICTED)
    html = page()
    assert '<option value="billing">Billing</option>' in html
    assert "Child safety" not in html  # not cleared for it
    category.name = "Account access & login"
    category.save()
    assert "Account access &amp; login</option>" in page()


def test_escalation_targets_follow_sla_policies_and_teams(page, category):
    ops = TeamFactory(name="Escalations Desk", categories=[category.slug])
    assert "Escalations Desk" not in page()
    SLAPolicy.objects.create(name="Any", second_level_team=ops)
    assert "Escalations Desk" in page()
    ops.name = "Specialist Desk"
    ops.save()
    assert "Specialist Desk" in page()


def test_workspace_reads_the_choices_once_per_change(client, agent, ticket, count_queries):
    client.force_login(agent.user)
    url = reverse("tickets:detail", args=[ticket.pk])
    client.get(url)  # warm the session and the choices
    _, warm = count_queries(lambda: client.get(url))
    pickers = (
        'FROM "tickets_macro"',
        'FROM "tickets_category" WHERE',
        '"teams_agent"."clearance" IN',
    )
    assert not [q for q in warm if any(p in q for p in pickers)]
    MacroFactory(title="New one")
    _, cold = count_queries(lambda: client.get(url))
    # four pickers (shared and personal macros, categories, assignees), three for the routes
    assert len(cold) == len(warm) + 7
    assert all(any(p in q for q in cold) for p in pickers)


def test_choices_kept_for_one_role_are_not_shown_to_another(client, ticket, team, agent):
    CategoryFactory(slug="abuse", name="Child safety", sensitivity=Sensitivity.RESTRICTED)
    lead = AgentFactory(team=team, role=Role.LEAD, clearance=Sensitivity.RESTRICTED)
    client.force_login(lead.user)
    assert (
        "Child safety" in client.get(reverse("tickets:detail", args=[ticket.pk])).content.decode()
    )
    client.force_login(agent.user)
    assert (
        "Child safety"
        not in client.get(reverse("tickets:detail", args=[ticket.pk])).content.decode()
    )
