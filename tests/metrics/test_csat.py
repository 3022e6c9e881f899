"""CSAT on the dashboards and the API: %, mean, n and the 95% Wilson interval per agent,
credited to the agent the rating names (the last public replier before the solve)."""

from datetime import timedelta

import pytest
from django.urls import reverse

from metrics.selectors.summary import COUNTS, summarize, wilson_interval
from metrics.services import rollup_refresh
from tickets.models import CSATResponse

from .conftest import NOW, make_ticket

pytestmark = pytest.mark.django_db


def test_wilson_interval_matches_the_textbook_values():
    assert wilson_interval(0, 0) is None
    lo, hi = wilson_interval(8, 10)
    assert lo == pytest.approx(0.4902, abs=1e-4)
    assert hi == pytest.approx(0.9433, abs=1e-4)
    lo, hi = wilson_interval(0, 5)
    assert lo == 0.0
    assert hi == pytest.approx(0.4345, abs=1e-4)
    lo, hi = wilson_interval(100, 100)
    assert hi == 1.0
    assert lo == pytest.approx(0.9630, abs=1e-4)


def test_summary_csat_percent_and_mean():
    row = dict.fromkeys(("csat_1", "csat_2", "csat_3", "csat_4", "csat_5"), 0)
    row.update(csat_1=1, csat_4=2, csat_5=1)
    base = {"frt_sketch": [], "resolution_sketch": []}
    zeros = dict.fromkeys(COUNTS, 0)
    s = summarize([{**zeros, **base, **row}])
    assert s["csat_rated"] == 4
    assert s["csat_pct"] == 0.75
    assert s["csat_mean"] == pytest.approx((1 + 4 + 4 + 5) / 4)
    assert summarize([])["csat_pct"] is None


def _rate(ticket, rating, agent, at):
    CSATResponse.objects.create(ticket=ticket, rating=rating, agent=agent, rated_at=at, created_at=at, updated_at=at)  # fmt: skip


def test_dashboards_and_api_show_csat_credited_to_the_rated_agent(client, org, frozen):
    day = NOW - timedelta(days=2)
    tickets = [
        make_ticket(
            org,
            team=org["team_a"],
            category=org["login"],
            created=day + timedelta(minutes=i),
            reply_after=timedelta(minutes=30),
            agent=org["a1"],
            solve=True,
        )  # fmt: skip
        for i in range(4)
    ]
    # a1 holds three ratings (5, 4, 2); the fourth ticket's rating is credited to a2, who
    # replied last before the solve on that ticket, although a1 is its assignee.
    for ticket, rating in zip(tickets[:3], (5, 4, 2), strict=True):
        _rate(ticket, rating, org["a1"], day + timedelta(hours=3))
    _rate(tickets[3], 1, org["a2"], day + timedelta(hours=3))
    rollup_refresh(now=NOW)

    client.force_login(org["lead"])
    html = client.get(reverse("metrics:team_dashboard")).content.decode()
    assert "66.7% (n=3, 95% CI 21–94%)" in html  # a1
    assert "0.0% (n=1, 95% CI 0–79%)" in html  # a2
    assert "CSAT, mean 3.0 (4 ratings)" in html
    assert reverse("metrics:definitions") + "#csat" in html

    client.force_login(org["manager"])
    html = client.get(reverse("metrics:overview")).content.decode()
    assert "50.0% (n=4," in html
    definitions = client.get(reverse("metrics:definitions")).content.decode()
    assert "last agent who replied publicly" in definitions

    data = client.get("/api/v1/metrics/summary/").json()
    assert (data["csat_rated"], data["csat_4"], data["csat_pct"], data["csat_mean"]) == (4, 1, 0.5, 3.0)  # fmt: skip
    assert 0 < data["csat_low"] < 0.5 < data["csat_high"] < 1


def test_dashboard_leaves_out_categories_above_the_viewers_clearance(client, org, frozen):
    from tests.factories import CategoryFactory

    restricted = CategoryFactory(slug="self-harm", sensitivity="restricted")
    org["a1"].agent.clearance = "restricted"  # the associate who handled them was cleared
    org["a1"].agent.save()
    day = NOW - timedelta(days=2)
    for category in (org["login"], restricted, restricted):
        t = make_ticket(org, team=org["team_a"], category=category, created=day, reply_after=timedelta(minutes=30), agent=org["a1"], solve=True)  # fmt: skip
        _rate(t, 5, org["a1"], day + timedelta(hours=3))
    rollup_refresh(now=NOW)
    lead = org["lead"].agent
    lead.clearance = "none"
    lead.save()
    client.force_login(org["lead"])
    html = client.get(reverse("metrics:team_dashboard")).content.decode()
    assert "CSAT, mean 5.0 (1 ratings)" in html
    lead.clearance = "restricted"
    lead.save()
    html = client.get(reverse("metrics:team_dashboard")).content.decode()
    assert "CSAT, mean 5.0 (3 ratings)" in html
    # The category filter reads the fine rollups: the same scope applies there.
    html = client.get(reverse("metrics:team_dashboard"), {"category": "self-harm"}).content.decode()
    assert "CSAT, mean 5.0 (2 ratings)" in html
