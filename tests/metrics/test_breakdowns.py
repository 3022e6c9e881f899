"""CSAT per category and channel, and SLA achievement read from the SLA engine's targets (per
kind, per policy): figures, Wilson intervals, scope, and links that open exactly the tickets
behind each figure."""

from datetime import timedelta

import pytest
from django.db.models import Sum

from metrics.models import DailyRollup, DailySLARollup, DailyTeamSLARollup
from metrics.selectors.summary import wilson_interval
from metrics.services import rollup_refresh
from tickets.models import CSATResponse, SLAPolicy, Ticket, TicketSLA
from tickets.services import sla_sweep

from .conftest import NOW, days_ago, make_ticket, urgent_policy

pytestmark = pytest.mark.django_db


def _listed(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return sorted(row["pk"] for row in response.context["page"].rows)  # the queue reads dicts


def _rate(ticket, rating, agent, at):
    CSATResponse.objects.create(
        ticket=ticket, rating=rating, agent=agent, rated_at=at, created_at=at, updated_at=at
    )


@pytest.fixture
def rated(org, frozen):
    o = org
    make = lambda cat, channel, team=o["team_a"], agent=o["a1"]: make_ticket(  # noqa: E731
        o, team=team, category=cat, created=days_ago(3), reply_after=timedelta(minutes=10),
        agent=agent, solve=True, channel=channel,
    )  # fmt: skip
    o["login_web"] = make(o["login"], Ticket.Channel.WEB)
    o["login_email"] = make(o["login"], Ticket.Channel.EMAIL)
    o["billing_web"] = make(o["billing"], Ticket.Channel.WEB)
    o["unrated"] = make(o["billing"], Ticket.Channel.WEB)
    o["bpo"] = make(o["login"], Ticket.Channel.WEB, team=o["team_bpo"], agent=o["bpo1"])
    _rate(o["login_web"], 5, o["a1"], days_ago(2))
    _rate(o["login_email"], 2, o["a1"], days_ago(2))
    _rate(o["billing_web"], 4, o["a1"], days_ago(1))
    _rate(o["bpo"], 1, o["bpo1"], days_ago(1))
    rollup_refresh(now=NOW)
    return o


def test_csat_per_category_and_channel_with_n_interval_and_links(client, rated):
    client.force_login(rated["lead"])
    response = client.get("/metrics/csat/")
    assert response.status_code == 200
    categories = {r["label"]: r for r in response.context["categories"]}
    assert set(categories) == {rated["login"].name, rated["billing"].name}  # no BPO rating
    login = categories[rated["login"].name]
    assert (login["n"], login["satisfied"], login["pct"], login["mean"]) == (2, 1, 0.5, 3.5)
    assert login["interval"] == pytest.approx(wilson_interval(1, 2))
    assert _listed(client, login["url"]) == sorted([rated["login_web"].pk, rated["login_email"].pk])
    assert _listed(client, login["satisfied_url"]) == [rated["login_web"].pk]
    channels = {r["label"]: r for r in response.context["channels"]}
    web = channels[Ticket.Channel.WEB.label]
    assert (web["n"], web["pct"]) == (2, 1.0)
    assert _listed(client, web["url"]) == sorted([rated["login_web"].pk, rated["billing_web"].pk])
    assert channels[Ticket.Channel.EMAIL.label]["pct"] == 0.0
    assert response.context["total"]["n"] == 3
    body = response.content.decode()
    assert 'data-csat-table="category"' in body
    assert 'data-csat-table="channel"' in body

    client.force_login(rated["manager"])
    response = client.get("/metrics/csat/", {"channel": "web"})
    login = next(r for r in response.context["categories"] if r["label"] == rated["login"].name)
    assert (login["n"], login["pct"]) == (2, 0.5)  # the BPO rating of 1 counts for the manager


def test_csat_page_is_for_leads_and_managers_and_rejects_bad_filters(client, rated):
    client.force_login(rated["a1"])
    assert client.get("/metrics/csat/").status_code == 403
    client.force_login(rated["lead"])
    assert (
        client.get("/metrics/csat/", {"start": "2026-03-10", "end": "2026-03-01"}).status_code
        == 400
    )


@pytest.fixture
def slas(org, frozen):
    """Urgent tickets fall under the "Urgent" policy (first reply 60 min, resolution 4 h);
    others get the default targets (normal: first reply in 8 h)."""
    o = org
    urgent_policy()
    urgent = Ticket.Priority.URGENT
    o["fast"] = make_ticket(o, team=o["team_a"], category=o["login"], created=days_ago(2), reply_after=timedelta(minutes=30), agent=o["a1"], solve=True, priority=urgent)  # fmt: skip
    o["late"] = make_ticket(o, team=o["team_a"], category=o["login"], created=days_ago(2), reply_after=timedelta(minutes=90), agent=o["a1"], solve=True, priority=urgent)  # fmt: skip
    o["ignored"] = make_ticket(o, team=o["team_a"], category=o["billing"], created=days_ago(2))
    sla_sweep(now=NOW)  # marks the ignored ticket's first-reply target breached
    rollup_refresh(now=NOW)
    return o


def test_sla_achievement_reads_the_recorded_targets_per_kind(slas):
    assert TicketSLA.objects.filter(ticket=slas["ignored"], breached_at__isnull=False).exists()
    rows = DailyRollup.objects.filter(team=slas["team_a"])
    total = {
        f: sum(getattr(r, f) for r in rows)
        for f in ("sla_achieved", "sla_breached", "sla_first_reply_met",
                  "sla_first_reply_breached", "sla_resolution_met", "sla_resolution_breached")
    }  # fmt: skip
    assert total == {
        "sla_achieved": 3,  # fast: first reply + resolution; late: resolution
        "sla_breached": 2,  # late: first reply (90 > 60 min); ignored: first reply (swept)
        "sla_first_reply_met": 1,
        "sla_first_reply_breached": 2,
        "sla_resolution_met": 2,
        "sla_resolution_breached": 0,
    }


def test_manager_sees_sla_achievement_by_policy_with_links(client, slas):
    client.force_login(slas["manager"])
    response = client.get("/metrics/overview/")
    assert response.status_code == 200
    assert response.context["summary"]["sla_rate"] == pytest.approx(3 / 5)
    table = {(r["policy"], r["kind"]): r for r in response.context["sla_policies"]}
    assert set(table) == {
        ("Urgent", "First reply"),
        ("Urgent", "Resolution"),
        ("No policy (default targets)", "First reply"),
    }
    first = table[("Urgent", "First reply")]
    assert (first["met"], first["breached"], first["rate"]) == (1, 1, 0.5)
    assert _listed(client, first["met_url"]) == [slas["fast"].pk]
    assert _listed(client, first["breached_url"]) == [slas["late"].pk]
    default = table[("No policy (default targets)", "First reply")]
    assert (default["met"], default["breached"]) == (0, 1)
    assert _listed(client, default["breached_url"]) == [slas["ignored"].pk]
    assert "SLA achievement by policy" in response.content.decode()


def test_sla_by_policy_with_a_category_filter_reads_the_fine_rows(client, slas):
    client.force_login(slas["manager"])
    response = client.get("/metrics/overview/", {"category": "account-access"})
    table = {(r["policy"], r["kind"]): (r["met"], r["breached"]) for r in response.context["sla_policies"]}  # fmt: skip
    assert table == {("Urgent", "First reply"): (1, 1), ("Urgent", "Resolution"): (2, 0)}
    coarse = DailyTeamSLARollup.objects.aggregate(m=Sum("met"), b=Sum("breached"))
    fine = DailySLARollup.objects.aggregate(m=Sum("met"), b=Sum("breached"))
    assert coarse == fine == {"m": 3, "b": 2}


def test_api_csat_per_category_and_channel_matches_the_page(client, rated):
    client.force_login(rated["lead"])
    body = client.get("/api/v1/metrics/csat/").json()
    assert body["total"]["n"] == 3
    login = next(c for c in body["categories"] if c["key"] == "account-access")
    assert (login["n"], login["satisfied"], login["pct"], login["mean"]) == (2, 1, 0.5, 3.5)
    assert (login["low"], login["high"]) == pytest.approx(wilson_interval(1, 2))
    assert {c["key"]: (c["n"], c["pct"]) for c in body["channels"]} == {
        "web": (2, 1.0),
        "email": (1, 0.0),
    }
    narrowed = client.get("/api/v1/metrics/csat/", {"category": "billing"}).json()
    assert [(c["key"], c["n"]) for c in narrowed["categories"]] == [("billing", 1)]
    client.force_login(rated["manager"])  # the BPO team's rating of 1 counts for the manager
    web = client.get("/api/v1/metrics/csat/", {"channel": "web"}).json()["total"]
    assert (web["n"], web["satisfied"]) == (3, 2)
    client.force_login(rated["a1"])
    assert client.get("/api/v1/metrics/csat/").status_code == 403


def test_api_sla_achievement_per_kind_and_per_policy(client, slas):
    client.force_login(slas["manager"])
    body = client.get("/api/v1/metrics/sla/").json()
    kinds = {k["kind"]: (k["met"], k["breached"], k["rate"]) for k in body["kinds"]}
    assert kinds == {"first_reply": (1, 2, pytest.approx(1 / 3)), "resolution": (2, 0, 1.0)}
    urgent = SLAPolicy.objects.get(name="Urgent").pk
    policies = {(p["policy"], p["kind"]): (p["met"], p["breached"]) for p in body["policies"]}
    assert policies == {
        (urgent, "first_reply"): (1, 1),
        (urgent, "resolution"): (2, 0),
        (None, "first_reply"): (0, 1),
    }
    billing = client.get("/api/v1/metrics/sla/", {"category": "billing"}).json()
    assert [(k["kind"], k["breached"]) for k in billing["kinds"]] == [("first_reply", 1)]
    summary = client.get("/api/v1/metrics/summary/").json()
    assert (summary["sla_first_reply_met"], summary["sla_first_reply_breached"]) == (1, 2)
    assert summary["sla_resolution_rate"] == 1.0
    client.force_login(slas["bpo_lead"])  # another team's targets are not theirs
    assert client.get("/api/v1/metrics/sla/").json()["kinds"] == []
