"""teams API: presence, teams in scope, members, coverage; vendor isolation."""

from datetime import time

import pytest
from django.urls import reverse

from teams.models import Presence, Role, Vendor
from tests.factories import AgentFactory, ShiftTemplateFactory, TeamFactory, VendorFactory

pytestmark = pytest.mark.django_db


def test_presence_api_reads_and_changes_presence(client):
    agent = AgentFactory()
    client.force_login(agent.user)
    url = reverse("api-me-presence")
    assert client.get(url).json()["presence"] == "offline"
    response = client.post(url, {"presence": "available"}, content_type="application/json")
    assert response.status_code == 200
    assert response.json()["can_take_work"] is True
    agent.refresh_from_db()
    assert agent.presence == Presence.AVAILABLE
    bad = client.post(url, {"presence": "asleep"}, content_type="application/json")
    assert bad.status_code == 400


def test_bpo_lead_lists_only_their_vendors_teams_and_members(client):
    bpo = VendorFactory(kind=Vendor.Kind.BPO)
    mine = TeamFactory(vendor=bpo)
    sibling = TeamFactory(vendor=bpo)
    other = TeamFactory(vendor=VendorFactory(kind=Vendor.Kind.BPO))
    inhouse = TeamFactory()
    lead = AgentFactory(role=Role.LEAD, team=mine)
    mine.lead = lead.user
    mine.save()
    AgentFactory(team=other)
    client.force_login(lead.user)
    slugs = {t["slug"] for t in client.get(reverse("team-list")).json()}
    assert slugs == {mine.slug}
    for team in (sibling, other, inhouse):
        assert client.get(reverse("team-members", args=[team.slug])).status_code == 404
    members = client.get(reverse("team-members", args=[mine.slug])).json()
    assert {m["username"] for m in members} == {lead.user.username}


def test_coverage_api_returns_168_hours(client):
    team = TeamFactory(time_zone="UTC")
    agent = AgentFactory(team=team)
    for day in range(7):
        ShiftTemplateFactory(agent=agent, weekday=day, start=time(0), end=time(23, 59))
    client.force_login(agent.user)
    rows = client.get(reverse("team-coverage", args=[team.slug])).json()
    assert len(rows) == 168
    assert sum(r["agents"] for r in rows) >= 160


def test_anonymous_gets_401_with_the_credentials_to_send(client):
    for url in (reverse("team-list"), reverse("api-me-presence")):
        response = client.get(url)
        assert response.status_code == 401
        assert response["WWW-Authenticate"].startswith("Token")
