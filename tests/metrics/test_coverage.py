"""Coverage: agents on shift per hour for the next 7 days beside the usual arrivals, with
under-staffed hours flagged, in the viewer's time zone."""

import csv
import io
from datetime import time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from metrics.models import AgentDay, DailyRollup
from teams.models import ShiftTemplate
from tests.factories import AgentFactory, ShiftTemplateFactory, TeamFactory, TicketFactory

from .conftest import NOW

pytestmark = pytest.mark.django_db
URL = reverse("metrics:coverage")


def _history(org):
    """Over the last 4 weeks: 2 tickets every Wednesday 15:10 UTC and one every Thursday
    03:00 UTC for team A, plus noise on team B that team A's figures must not count."""
    for k in range(1, 5):
        for m in (10, 20):
            TicketFactory(team=org["team_a"], category=org["login"], created_at=NOW - timedelta(weeks=k, minutes=-m))  # fmt: skip
        TicketFactory(team=org["team_a"], category=org["login"], created_at=NOW - timedelta(weeks=k) + timedelta(hours=12))  # fmt: skip
        TicketFactory(team=org["team_b"], category=org["login"], created_at=NOW - timedelta(weeks=k))  # fmt: skip
    # Today, after the hour began: not history yet.
    TicketFactory(team=org["team_a"], category=org["login"], created_at=NOW + timedelta(minutes=5))


def _cell(html: str, hour_iso: str) -> str:
    i = html.index(f'data-hour="{hour_iso}"')
    return html[html.rindex("<td", 0, i) : html.index("</td>", i)]


def test_expected_arrivals_and_shifts_per_local_hour(client, org, frozen):
    _history(org)
    ShiftTemplate.objects.create(agent=org["a1"].agent, weekday=2, start=time(15), end=time(17))
    client.force_login(org["lead"])
    response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'data-team="{org["team_a"].pk}"' in html
    assert f'data-team="{org["team_b"].pk}"' not in html  # not the lead's team
    wed15 = _cell(html, "2026-03-18T15:00:00+00:00")
    assert wed15.endswith(">1/2.0")
    assert "under-staffed" not in wed15
    thu03 = _cell(html, "2026-03-19T03:00:00+00:00")
    assert "0/1.0" in thu03
    assert "under-staffed" in thu03
    assert "0/0.0" in _cell(html, "2026-03-19T04:00:00+00:00")
    assert "No productive hours recorded" in html


def test_pace_flags_hours_the_staffed_time_cannot_absorb(client, org, frozen):
    _history(org)
    ShiftTemplate.objects.create(agent=org["a1"].agent, weekday=2, start=time(15), end=time(17))
    day = NOW.date() - timedelta(days=3)
    DailyRollup.objects.create(day=day, team=org["team_a"], category=org["login"], channel="email", solved=15)  # fmt: skip
    AgentDay.objects.create(day=day, agent=org["a1"], team=org["team_a"], productive_seconds=10 * 3600, computed_at=NOW)  # fmt: skip
    client.force_login(org["lead"])
    html = client.get(URL).content.decode()
    assert "Pace: 1.50 solved per productive hour" in html
    assert "under-staffed" in _cell(html, "2026-03-18T15:00:00+00:00")  # 2 expected > 1 h × 1.5
    assert "under-staffed" not in _cell(html, "2026-03-18T16:00:00+00:00")  # nothing expected
    # Two agents on at Wednesday 15:00 next week would cover it: 2 > 2 × 1.5 is false.
    ShiftTemplate.objects.create(agent=org["a2"].agent, weekday=2, start=time(15), end=time(16))
    html = client.get(URL).content.decode()
    assert "under-staffed" not in _cell(html, "2026-03-18T15:00:00+00:00")


def test_hours_are_the_viewers_local_hours(client, org, frozen):
    _history(org)
    lead = org["lead"].agent
    lead.time_zone = "Asia/Tokyo"  # UTC+9, no daylight saving
    lead.save()
    client.force_login(org["lead"])
    html = client.get(URL).content.decode()
    # Wednesday 15:10 UTC arrivals are Thursday 00:10 in Tokyo; the page starts there.
    assert "2/2.0" not in html
    assert "0/2.0" in _cell(html, "2026-03-19T00:00:00+09:00")
    assert "0/1.0" in _cell(html, "2026-03-19T12:00:00+09:00")
    assert "Asia/Tokyo" in html


def test_csv_download_has_one_row_per_hour(client, org, frozen):
    _history(org)
    client.force_login(org["lead"])
    response = client.get(URL, {"csv": f"coverage_{org['team_a'].pk}"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][0] == "label"
    assert "Expected tickets (4-week mean)" in rows[0]
    assert len(rows) == 1 + 168
    col = rows[0].index("Expected tickets (4-week mean)")
    assert rows[1][0] == "2026-03-18T15:00:00+00:00"
    assert float(rows[1][col]) == 2.0
    assert client.get(URL, {"csv": "nope"}).status_code == 404


def test_manager_sees_every_team_and_can_pick_one(client, org, frozen):
    client.force_login(org["manager"])
    html = client.get(URL).content.decode()
    for team in ("team_a", "team_b", "team_bpo"):
        assert f'data-team="{org[team].pk}"' in html
    html = client.get(URL, {"team": org["team_b"].pk}).content.decode()
    assert f'data-team="{org["team_b"].pk}"' in html
    assert f'data-team="{org["team_a"].pk}"' not in html


def test_access(client, org, frozen):
    client.force_login(org["a1"])
    assert client.get(URL).status_code == 403
    client.force_login(org["lead"])
    response = client.get(URL, {"team": org["team_b"].pk})
    assert response.status_code == 400
    assert b"not one of yours" in response.content
    assert client.get(URL, {"team": "x"}).status_code == 400
    dashboard = client.get(reverse("metrics:team_dashboard")).content.decode()
    assert URL in dashboard


def test_rota_queries_do_not_grow_with_the_number_of_teams(client, org, frozen):
    def count():
        client.get(URL)  # warm: per-user caches (permissions, the nav badge) fill on a first visit
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(URL).status_code == 200
        return len(ctx)

    client.force_login(org["manager"])
    for team in ("team_a", "team_b"):
        agent = AgentFactory(team=org[team])
        ShiftTemplateFactory(agent=agent, weekday=2, start=time(9), end=time(17))
    before = count()
    for _ in range(3):
        extra = TeamFactory(vendor=org["team_a"].vendor, manager=org["manager"])
        agent = AgentFactory(team=extra)
        ShiftTemplateFactory(agent=agent, weekday=2, start=time(9), end=time(17))
    after = count()
    assert after == before
