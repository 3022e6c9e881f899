"""/api/v1/metrics/…: the dashboard figures as JSON, same filters, same scope."""

from datetime import timedelta

import pytest

from metrics.services import rollup_refresh

from .conftest import NOW, days_ago, make_ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def data(org, frozen):
    o = org
    make_ticket(o, team=o["team_a"], category=o["login"], created=days_ago(2), reply_after=timedelta(minutes=30), agent=o["a1"], solve=True)  # fmt: skip
    make_ticket(o, team=o["team_a"], category=o["billing"], created=days_ago(1), reply_after=timedelta(minutes=60), agent=o["a2"], solve=True)  # fmt: skip
    make_ticket(o, team=o["team_bpo"], category=o["login"], created=days_ago(1), reply_after=timedelta(minutes=5), agent=o["bpo1"], solve=True)  # fmt: skip
    make_ticket(o, team=o["team_a"], category=o["login"], created=days_ago(3))
    rollup_refresh(now=NOW)
    return o


def test_summary_is_scoped_and_filtered(client, data):
    client.force_login(data["lead"])
    body = client.get("/api/v1/metrics/summary/").json()
    assert body["solved"] == 2
    assert body["created"] == 3
    assert body["frt_p50"] == pytest.approx(30, rel=0.05)
    body = client.get("/api/v1/metrics/summary/", {"category": "billing"}).json()
    assert body["solved"] == 1
    client.force_login(data["bpo_lead"])
    assert client.get("/api/v1/metrics/summary/").json()["solved"] == 1


def test_teams_agents_queue_and_trends(client, data):
    client.force_login(data["manager"])
    teams = {r["team"]: r["solved"] for r in client.get("/api/v1/metrics/teams/").json()["results"]}
    assert teams == {data["team_a"].pk: 2, data["team_b"].pk: 0, data["team_bpo"].pk: 1}
    agents = {
        r["agent"]: r["solved"] for r in client.get("/api/v1/metrics/agents/").json()["results"]
    }
    assert agents[data["a1"].pk] == 1
    queue = client.get("/api/v1/metrics/queue/").json()
    assert queue["unsolved"] == 1
    assert queue["breached"] == 1
    trends = client.get("/api/v1/metrics/trends/").json()
    volume = next(c for c in trends["charts"] if c["id"] == "volume")
    assert sum(volume["datasets"][0]["data"]) == 4


def test_associates_get_403_on_team_endpoints_and_bad_filters_400(client, data):
    client.force_login(data["a1"])
    assert client.get("/api/v1/metrics/agents/").status_code == 403
    assert client.get("/api/v1/metrics/summary/").status_code == 200
    response = client.get("/api/v1/metrics/summary/", {"start": "2026-03-10", "end": "2026-03-01"})
    assert response.status_code == 400
    assert "end" in response.json()
    client.logout()
    assert client.get("/api/v1/metrics/summary/").status_code in (401, 403)
    assert client.get("/api/v1/metrics/definitions/").status_code in (401, 403)
