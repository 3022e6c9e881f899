import pytest
from django.urls import reverse

from teams.models import Role
from tests.factories import AgentFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("role", "landing"),
    [
        (Role.ASSOCIATE, "tickets:queue"),
        (Role.LEAD, "metrics:team_dashboard"),
        (Role.MANAGER, "metrics:overview"),
        (Role.QA_ANALYST, "metrics:overview"),
        (Role.ADMIN, "metrics:overview"),
    ],
)
def test_home_sends_each_role_to_its_page_when_logged_in(client, role, landing):
    agent = AgentFactory(role=role)
    client.force_login(agent.user)
    response = client.get("/", follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == reverse(landing)


def test_home_asks_anonymous_visitors_to_log_in(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
