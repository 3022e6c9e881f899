"""Handle time: work sessions roll into the daily agent rollups, show on the lead's
per-associate table and the associate's own stats, and export per agent per day."""

import csv
import io
from datetime import datetime, time, timedelta

import pytest
from django.http import StreamingHttpResponse
from openpyxl import load_workbook

from metrics.models import DailyAgentRollup, DailyRollup
from metrics.services import rollup_refresh
from teams.models import Role
from tests.factories import AgentFactory
from tickets.models import Ticket
from tickets.services import work_heartbeat

from .conftest import NOW, days_ago, make_ticket

pytestmark = pytest.mark.django_db


def _work(ticket, agent, start, seconds):
    """Heartbeats every 30 s from `start` for `seconds` seconds."""
    for s in range(0, seconds + 1, 30):
        work_heartbeat(ticket=ticket, agent=agent, now=start + timedelta(seconds=s))


@pytest.fixture
def worked(org, frozen):
    """a1 works two login tickets yesterday (10 and 5 minutes) and one today (3 minutes);
    a2 one ticket yesterday (4 minutes); bpo1 a BPO ticket yesterday (7 minutes)."""
    o = org
    t1 = make_ticket(o, team=o["team_a"], category=o["login"], created=days_ago(1, 5))
    t2 = make_ticket(o, team=o["team_a"], category=o["billing"], created=days_ago(1, 5))
    t3 = make_ticket(o, team=o["team_bpo"], category=o["login"], created=days_ago(1, 5))
    _work(t1, o["a1"], days_ago(1, 4), 600)
    _work(t2, o["a1"], days_ago(1, 3), 300)
    _work(t1, o["a1"], days_ago(0, 1), 180)
    _work(t2, o["a2"], days_ago(1, 2), 240)
    _work(t3, o["bpo1"], days_ago(1, 2), 420)
    rollup_refresh(now=NOW)
    return o


def test_work_sessions_roll_into_the_daily_rollups(worked):
    a1 = {
        r.day: (r.handle_seconds, r.handle_count)
        for r in DailyAgentRollup.objects.filter(agent=worked["a1"])
    }
    assert a1 == {days_ago(1).date(): (900, 2), NOW.date(): (180, 1)}
    assert (
        sum(DailyRollup.objects.values_list("handle_seconds", flat=True)) == 900 + 180 + 240 + 420
    )


def test_handle_time_on_the_leads_table_and_the_associates_own_stats(client, worked):
    client.force_login(worked["lead"])
    response = client.get("/metrics/team/")
    rows = {r["agent"].user_id: r["summary"] for r in response.context["associates"]}
    assert rows[worked["a1"].pk]["handle_hours"] == pytest.approx(1080 / 3600)
    assert rows[worked["a1"].pk]["handle_minutes_per_ticket"] == pytest.approx(6)  # 18 min / 3
    assert rows[worked["a2"].pk]["handle_minutes_per_ticket"] == pytest.approx(4)
    body = response.content.decode()
    assert "6 min per ticket, 3 ticket-days" in body
    assert 'href="/metrics/definitions/#handle-time"' in body

    client.force_login(worked["a1"])
    response = client.get("/metrics/me/")
    assert response.context["mine"]["handle_minutes_per_ticket"] == pytest.approx(6)
    assert response.context["team"]["handle_minutes_per_ticket"] == pytest.approx(5)  # 6 and 4
    assert "0.3 h on 3 ticket-days" in response.content.decode()


def test_handle_time_export_per_agent_per_day_csv_and_xlsx_in_scope(client, worked):
    client.force_login(worked["manager"])
    response = client.get("/metrics/exports/download/", {"dataset": "handle_time", "format": "csv"})
    assert isinstance(response, StreamingHttpResponse)
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0] == ["Day (UTC)", "Agent", "Tickets handled", "Handle time (min)", "Per ticket (min)"]  # fmt: skip
    yesterday, today = days_ago(1).date().isoformat(), NOW.date().isoformat()
    a1, bpo1 = worked["a1"].get_full_name(), worked["bpo1"].get_full_name()  # by name
    assert [yesterday, a1, "2", "15.0", "7.5"] in rows
    assert [today, a1, "1", "3.0", "3.0"] in rows
    assert [yesterday, bpo1, "1", "7.0", "7.0"] in rows  # the manager's BPO team

    bpo_manager = AgentFactory(role=Role.MANAGER, team=worked["team_bpo"]).user
    client.force_login(bpo_manager)
    response = client.get(
        "/metrics/exports/download/", {"dataset": "handle_time", "format": "xlsx"}
    )
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    got = [list(r) for r in book.active.iter_rows(values_only=True)]
    assert got[1:] == [[datetime.combine(days_ago(1).date(), time()), bpo1, 1, 7, 7]]


def _listed(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.content.decode()[:500]
    return sorted(row["pk"] for row in response.context["page"].rows)  # the queue reads dicts


def test_handle_time_links_to_the_tickets_the_agent_worked_on(client, worked):
    """a1 worked the login and the billing ticket of team A; the lead's figure opens exactly
    those, narrowed to billing only the billing one; a2's opens the billing one; an
    associate's own figure for today opens the ticket worked today."""
    login = Ticket.objects.get(team=worked["team_a"], category=worked["login"]).pk
    billing = Ticket.objects.get(team=worked["team_a"], category=worked["billing"]).pk
    client.force_login(worked["lead"])
    response = client.get("/metrics/team/")
    rows = {r["agent"].user_id: r for r in response.context["associates"]}
    assert _listed(client, rows[worked["a1"].pk]["handle_url"]) == sorted([login, billing])
    assert _listed(client, rows[worked["a2"].pk]["handle_url"]) == [billing]
    link = rows[worked["a1"].pk]["handle_url"].replace("&", "&amp;")
    assert f'<a href="{link}">0.3 h</a>' in response.content.decode()
    narrowed = client.get("/metrics/team/", {"category": "billing"}).context["associates"]
    a1 = next(r for r in narrowed if r["agent"].user_id == worked["a1"].pk)
    assert _listed(client, a1["handle_url"]) == [billing]

    client.force_login(worked["a1"])
    response = client.get("/metrics/me/", {"start": NOW.date().isoformat()})
    assert response.context["mine"]["handle_count"] == 1
    assert _listed(client, response.context["handle_url"]) == [login]


def test_api_handle_time_per_agent_per_day_in_scope(client, worked):
    yesterday, today = days_ago(1).date().isoformat(), NOW.date().isoformat()
    client.force_login(worked["manager"])
    body = client.get("/api/v1/metrics/handle-time/").json()
    rows = {(r["day"], r["username"]): r for r in body["results"]}
    assert set(rows) == {
        (today, worked["a1"].username),
        (yesterday, worked["a1"].username),
        (yesterday, worked["a2"].username),
        (yesterday, worked["bpo1"].username),
    }
    a1 = rows[(yesterday, worked["a1"].username)]
    assert (a1["agent"], a1["tickets"], a1["seconds"], a1["minutes_per_ticket"]) == (
        worked["a1"].pk, 2, 900, 7.5,
    )  # fmt: skip
    assert body["results"][0]["day"] == today  # newest first
    billing = client.get("/api/v1/metrics/handle-time/", {"category": "billing"}).json()
    assert sorted((r["username"], r["seconds"]) for r in billing["results"]) == sorted(
        [(worked["a1"].username, 300), (worked["a2"].username, 240)]
    )
    one = client.get("/api/v1/metrics/handle-time/", {"agent": worked["a2"].pk}).json()
    assert [(r["day"], r["seconds"]) for r in one["results"]] == [(yesterday, 240)]
    assert client.get("/api/v1/metrics/handle-time/", {"agent": "me"}).status_code == 400

    client.force_login(worked["lead"])  # team A only
    usernames = {
        r["username"] for r in client.get("/api/v1/metrics/handle-time/").json()["results"]
    }
    assert usernames == {worked["a1"].username, worked["a2"].username}

    client.force_login(worked["a2"])  # an associate: their own days only
    own = client.get("/api/v1/metrics/handle-time/").json()["results"]
    assert [(r["username"], r["seconds"]) for r in own] == [(worked["a2"].username, 240)]
    assert client.get("/api/v1/metrics/handle-time/", {"agent": worked["a1"].pk}).status_code == 403


def test_api_handle_time_pages_with_a_cursor(client, worked, monkeypatch):
    from metrics.api import HandleTimePagination

    monkeypatch.setattr(HandleTimePagination, "page_size", 3)
    client.force_login(worked["manager"])
    first = client.get("/api/v1/metrics/handle-time/").json()
    assert len(first["results"]) == 3
    second = client.get(first["next"]).json()
    assert second["next"] is None
    seen = [(r["day"], r["agent"]) for r in first["results"] + second["results"]]
    assert len(seen) == len(set(seen)) == 4
