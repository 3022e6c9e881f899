"""Trend alerts: a burst against the same hours of the last 4 weeks raises an alert with a
link to its tickets; usual volume does not."""

from datetime import timedelta

import pytest
from django.utils import timezone

from metrics.selectors.alerts import poisson_tail, volume_spikes
from tests.factories import TicketFactory

from .conftest import NOW

pytestmark = pytest.mark.django_db


def _tickets(org, category, at, n, team=None):
    for i in range(n):
        TicketFactory(
            category=category, team=team or org["team_a"], created_at=at - timedelta(minutes=i + 1)
        )


def test_poisson_tail():
    assert poisson_tail(0, 3) == 1.0
    assert poisson_tail(1, 2) == pytest.approx(1 - 2.718281828**-2)


def test_a_burst_raises_an_alert_and_usual_volume_does_not(client, org, frozen):
    for week in range(1, 5):
        _tickets(org, org["login"], NOW - timedelta(weeks=week), 2)
        _tickets(org, org["billing"], NOW - timedelta(weeks=week), 9)
    _tickets(org, org["login"], NOW, 14)  # usual is 2
    _tickets(org, org["billing"], NOW, 10)  # usual is 9
    alerts = volume_spikes(user=org["lead"], now=NOW)
    assert [a["category"] for a in alerts] == [org["login"].name]
    alert = alerts[0]
    assert alert["observed"] == 14
    assert alert["expected"] == 2
    assert alert["z"] == pytest.approx((14 - 2) / 2**0.5)
    assert "category=account-access" in alert["url"]

    client.force_login(org["lead"])
    body = client.get("/metrics/team/").content.decode()
    assert "Volume spikes" in body
    assert "14 tickets since" in body


def test_alerts_only_count_tickets_the_viewer_may_see(org, frozen):
    _tickets(org, org["login"], NOW, 20, team=org["team_bpo"])
    assert volume_spikes(user=org["lead"], now=timezone.now()) == []
    assert [a["observed"] for a in volume_spikes(user=org["bpo_lead"], now=NOW)] == [20]
