"""Policy library: publish to teams, acknowledge, banner, completion, rendering."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from teams.markdown import render
from teams.models import Agent, PolicyAcknowledgement, Role
from teams.selectors import pending_acknowledgements, policy_completion
from teams.services import policy_acknowledge, policy_article_create, policy_publish
from tests.factories import AgentFactory, TeamFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def team():
    return TeamFactory(name="Account Care", slug="account-care")


@pytest.fixture
def lead(team):
    agent = AgentFactory(role=Role.LEAD, team=team)
    team.lead = agent.user
    team.save()
    return agent


@pytest.fixture
def associates(team):
    return [AgentFactory(team=team) for _ in range(3)]


@pytest.fixture
def article(lead):
    return policy_article_create(by=lead.user, title="Identity checks")


def publish(lead, article, team, body="Ask **two** questions.", **kw):
    return policy_publish(
        by=lead.user,
        article=article,
        body=body,
        effective_date=date(2026, 12, 1),
        teams=[team],
        **kw,
    )


def test_publishing_asks_each_active_associate_and_returns_the_version(
    lead, article, team, associates
):
    AgentFactory(team=team, status=Agent.Status.ON_LEAVE)
    AgentFactory(team=TeamFactory())  # another team: not asked
    version = publish(lead, article, team)
    assert version.number == 1
    assert version.article == article
    asked = set(
        PolicyAcknowledgement.objects.filter(version=version).values_list("user_id", flat=True)
    )
    assert asked == {a.user_id for a in associates}


def test_a_new_version_replaces_the_pending_request_for_the_old_one(
    lead, article, team, associates
):
    v1 = publish(lead, article, team)
    policy_acknowledge(user=associates[0].user, version=v1)
    v2 = publish(lead, article, team, body="Ask three questions.")
    assert v2.number == 2
    pending = [a.version for a in pending_acknowledgements(user=associates[1].user)]
    assert pending == [v2]
    assert (
        PolicyAcknowledgement.objects.filter(version=v1, acknowledged_at__isnull=False).count() == 1
    )


def test_completion_shows_who_is_missing(lead, article, team, associates):
    version = publish(lead, article, team)
    policy_acknowledge(user=associates[0].user, version=version)
    policy_acknowledge(user=associates[0].user, version=version)  # twice is fine
    (row,) = policy_completion(user=lead.user, version=version)
    assert (row.asked, row.done, row.percent) == (3, 1, 33)
    assert sorted(row.missing) == sorted(a.user.get_full_name() for a in associates[1:])


def test_only_those_asked_can_acknowledge_and_leads_publish_only_to_their_teams(
    lead, article, team
):
    version = publish(lead, article, team)
    with pytest.raises(PermissionDenied):
        policy_acknowledge(user=AgentFactory(team=TeamFactory()).user, version=version)
    with pytest.raises(PermissionDenied):
        policy_publish(
            by=lead.user,
            article=article,
            body="x",
            effective_date=date(2026, 12, 1),
            teams=[TeamFactory()],
        )
    with pytest.raises(ValidationError):
        publish(lead, article, team, body="   ")
    with pytest.raises(PermissionDenied):
        policy_article_create(by=AgentFactory(team=team).user, title="Mine")


def test_markdown_is_rendered_and_scripts_are_stripped():
    html = render(
        "# Steps\n\n1. Ask\n2. Verify\n\n<script>alert(1)</script> [x](javascript:alert(1))"
    )
    assert "<h1>Steps</h1>" in html
    assert "<ol>" in html
    assert "<script>" not in html
    assert "javascript:" not in html


def test_banner_shows_until_the_associate_acknowledges(client, lead, article, team, associates):
    client.force_login(associates[0].user)
    assert 'id="policy-banner"' not in client.get(reverse("teams:list")).content.decode()
    version = publish(lead, article, team, summary="Two questions now")
    page = client.get(reverse("teams:list")).content.decode()
    assert 'id="policy-banner"' in page
    assert "Identity checks (v1)" in page
    detail = client.get(reverse("teams:policy_detail", args=[article.slug])).content.decode()
    assert "<strong>two</strong>" in detail
    response = client.post(reverse("teams:policy_acknowledge", args=[version.pk]))
    assert response.status_code == 302
    page = client.get(reverse("teams:list")).content.decode()
    assert 'id="policy-banner"' not in page
    mine = client.get(reverse("teams:my_acknowledgements")).content.decode()
    assert "Identity checks" in mine
    assert "Acknowledge</button>" not in mine
    article.title = "Identity checks, revised"
    article.save()
    publish(lead, article, team, summary="Three questions")
    assert "Identity checks, revised (v2)" in client.get(reverse("teams:list")).content.decode()


def test_lead_publishes_from_the_page_and_sees_completion(client, lead, team, associates):
    client.force_login(lead.user)
    response = client.post(
        reverse("teams:policy_new"),
        {
            "title": "Refunds",
            "body": "Refund within 30 days.",
            "effective_date": "2026-12-01",
            "teams": [team.pk],
        },
    )
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "Refund within 30 days." in page
    assert '<td class="num">0</td><td class="num">3</td>' in page
    bad = client.post(
        reverse("teams:policy_new"), {"title": "Empty", "effective_date": "2026-12-01"}
    )
    assert bad.status_code == 400


def test_associate_of_another_team_does_not_see_the_article(client, lead, article, team):
    publish(lead, article, team)
    client.force_login(AgentFactory(team=TeamFactory()).user)
    assert client.get(reverse("teams:policy_detail", args=[article.slug])).status_code == 404
    assert client.get(reverse("teams:policy_new")).status_code == 403


def test_banner_is_read_from_the_cache_after_the_first_page(
    client, lead, article, team, associates
):
    publish(lead, article, team)
    client.force_login(associates[0].user)
    client.get(reverse("teams:list"))
    with CaptureQueriesContext(connection) as ctx:
        page = client.get(reverse("teams:list")).content.decode()
    assert 'id="policy-banner"' in page
    banner = [q for q in ctx.captured_queries if "policyacknowledgement" in q["sql"]]
    assert banner == []


def test_newcomers_to_a_team_are_asked_for_the_policies_already_published_to_it():
    from datetime import date as _date

    from teams.models import PolicyAcknowledgement, PolicyArticle, Role
    from teams.selectors.policy import pending_acknowledgements
    from teams.services import agent_create, agent_update, policy_publish
    from tests.factories import AgentFactory, TeamFactory

    team, other = TeamFactory(), TeamFactory()
    lead = AgentFactory(role=Role.LEAD, team=team)
    article = PolicyArticle.objects.create(
        title="Self-harm", slug="self-harm-pol", created_by=lead.user
    )
    policy_publish(
        by=lead.user, article=article, body="v1", effective_date=_date(2026, 11, 1), teams=[team]
    )
    v2 = policy_publish(
        by=lead.user, article=article, body="v2", effective_date=_date(2026, 11, 20), teams=[team]
    )

    hired = agent_create(username="newhire", email="new@x.example", role=Role.ASSOCIATE, team=team)
    assert [a.version for a in pending_acknowledgements(user=hired.user)] == [v2]

    mover = AgentFactory(team=other)
    assert not pending_acknowledgements(user=mover.user).exists()
    agent_update(by=None, agent=mover, team=team)
    assert [a.version for a in pending_acknowledgements(user=mover.user)] == [v2]
    # Moving again into the same team asks nothing twice.
    agent_update(by=None, agent=mover, team=team)
    assert PolicyAcknowledgement.objects.filter(user=mover.user).count() == 1
