"""Tickets per productive hour: available time inside shifts, per UTC day, on the dashboard."""

from datetime import UTC, datetime, time, timedelta

import pytest

from metrics.models import AgentDay
from metrics.services import productive_time_refresh, rollup_refresh
from teams.models import Presence, PresenceLog, ShiftTemplate

from .conftest import NOW, make_ticket

pytestmark = pytest.mark.django_db
DAY = NOW.date()  # Wednesday 18 March 2026


def _at(h):
    return datetime.combine(DAY, time(h), tzinfo=UTC)


def test_productive_hours_count_available_time_inside_shifts(client, org, frozen):
    agent = org["a1"].agent
    ShiftTemplate.objects.create(agent=agent, weekday=DAY.weekday(), start=time(9), end=time(17))
    PresenceLog.objects.create(
        agent=agent, status=Presence.AVAILABLE, started_at=_at(8), ended_at=_at(12)
    )
    PresenceLog.objects.create(
        agent=agent, status=Presence.BREAK, started_at=_at(12), ended_at=_at(13)
    )
    PresenceLog.objects.create(
        agent=agent, status=Presence.AVAILABLE, started_at=_at(13), ended_at=_at(18)
    )
    productive_time_refresh(days=[DAY], now=_at(23))
    row = AgentDay.objects.get(agent=org["a1"], day=DAY)
    assert row.productive_seconds == 7 * 3600  # 9-12 and 13-17

    for i in range(3):
        make_ticket(org, team=org["team_a"], category=org["login"], created=_at(9) + timedelta(minutes=i), reply_after=timedelta(minutes=20), agent=org["a1"], solve=True)  # fmt: skip
    rollup_refresh(now=NOW)
    client.force_login(org["lead"])
    response = client.get("/metrics/team/")
    a1 = next(r for r in response.context["associates"] if r["agent"].user_id == org["a1"].pk)
    assert a1["productive_hours"] == 7
    assert a1["per_hour"] == pytest.approx(3 / 7)
    a2 = next(r for r in response.context["associates"] if r["agent"].user_id == org["a2"].pk)
    assert a2["per_hour"] is None  # no shifts, no productive time: shown as —
