"""The signed-in user and their agent profile come from the cache (teams.backends) between
requests; every write to them, their team or vendor shows on the next request."""

from __future__ import annotations

from django.contrib.auth import get_user
from django.urls import reverse

from teams.backends import CachedModelBackend
from teams.models import Role
from tests.factories import AgentFactory


def test_a_deactivated_user_is_signed_out_on_the_next_request(db, client):
    agent = AgentFactory(role=Role.ASSOCIATE)
    client.force_login(agent.user)
    queue = reverse("tickets:queue")
    assert client.get(queue).status_code == 200
    assert client.get(queue).status_code == 200  # served from the cache
    agent.user.is_active = False
    agent.user.save()
    response = client.get(queue)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_role_change_shows_on_the_next_page(db, client):
    agent = AgentFactory(role=Role.ASSOCIATE)
    client.force_login(agent.user)
    assert "My QA" in client.get(reverse("tickets:queue")).content.decode()
    agent.role = Role.LEAD
    agent.save()
    page = client.get(reverse("tickets:queue")).content.decode()
    assert ">Team</a>" in page
    assert "My QA" not in page


def test_team_and_vendor_writes_reach_every_cached_user(db, client):
    agent = AgentFactory(role=Role.ASSOCIATE)
    client.force_login(agent.user)
    client.get(reverse("tickets:queue"))
    backend = CachedModelBackend()
    assert backend.get_user(agent.user_id).agent.team.name == agent.team.name
    agent.team.name = "Night shift"
    agent.team.save()
    agent.team.vendor.name = "Acme BPO"
    agent.team.vendor.save()
    cached = backend.get_user(agent.user_id)
    assert cached.agent.team.name == "Night shift"
    assert cached.agent.team.vendor.name == "Acme BPO"
    request = client.get(reverse("tickets:queue")).wsgi_request
    assert get_user(request).agent.team.name == "Night shift"
