"""`manage.py seed_demo`: the demo operation, created once, never on a production configuration."""

import random
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from teams.models import Agent, ExposureEntry, Role, Team, Vendor
from tickets.demo import _created_at
from tickets.models import (
    Category,
    CSATResponse,
    Message,
    Requester,
    RoutingRule,
    SLAPolicy,
    TeamServiceSettings,
    Ticket,
    TicketEvent,
    TicketSLA,
)

pytestmark = pytest.mark.django_db

User = get_user_model()


def counts() -> dict[str, int]:
    return {
        "users": User.objects.count(),
        "agents": Agent.objects.count(),
        "vendors": Vendor.objects.count(),
        "teams": Team.objects.count(),
        "requesters": Requester.objects.count(),
        "tickets": Ticket.objects.count(),
        "messages": Message.objects.count(),
        "events": TicketEvent.objects.count(),
    }


def test_seed_demo_twice_leaves_the_same_counts(settings):
    settings.DEBUG = True
    call_command("seed_demo", "--tickets", "300", verbosity=0)
    first = counts()

    call_command("seed_demo", "--tickets", "300", verbosity=0)

    assert first["tickets"] == 300
    assert first["messages"] >= 300
    assert first["events"] >= 300
    assert counts() == first


def test_seed_demo_builds_the_operation_the_demo_describes(settings, client):
    settings.DEBUG = True
    call_command("seed_demo", "--tickets", "300", verbosity=0)

    teams = Team.objects.select_related("vendor")
    assert teams.count() == 4
    assert sum(t.vendor.kind == Vendor.Kind.BPO for t in teams) == 2
    assert len({t.time_zone for t in teams}) == 4
    for team in teams:
        associates = Agent.objects.filter(team=team, role=Role.ASSOCIATE).count()
        assert 12 <= associates <= 15, team.slug
        assert team.lead_id is not None
    for username in ("associate", "lead", "manager", "qa", "admin"):
        response = client.post("/login/", {"username": username, "password": "demo"})
        assert response.status_code == 302, username
        client.logout()
    assert set(Ticket.objects.values_list("status", flat=True)) >= {"new", "open", "closed"}
    # The Trust & Safety lead's exposure page has real figures from the sensitive tickets.
    assert ExposureEntry.objects.filter(seconds__gt=0).exists()
    assert Category.objects.get(slug="self-harm").exposure_kind == "self_harm"
    response = client.post("/login/", {"username": "lead.trust-safety", "password": "demo"})
    assert response.status_code == 302


def test_seed_demo_refuses_when_debug_is_off_and_creates_nothing(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo", "--tickets", "10", verbosity=0)

    assert User.objects.count() == 0
    assert Team.objects.count() == 0
    assert Ticket.objects.count() == 0


# A Wednesday afternoon in UTC: every demo team's business hours are open (Manila's until
# 22:00 local is not, which the test does not need), so clocks run and some targets are due.
SEEDED_AT = datetime(2026, 12, 2, 15, 20, tzinfo=UTC)


@pytest.fixture
def seeded(settings):
    settings.DEBUG = True
    with time_machine.travel(SEEDED_AT, tick=False):
        call_command("seed_demo", "--tickets", "600", verbosity=0)
    return SEEDED_AT


def test_no_seeded_timestamp_is_after_the_moment_of_seeding(seeded):
    stamped = {
        Ticket: ["created_at", "first_reply_at", "last_public_reply_at",
                 "last_requester_reply_at", "solved_at", "closed_at", "updated_at"],
        Message: ["created_at"],
        TicketEvent: ["created_at"],
        CSATResponse: ["survey_sent_at", "rated_at", "created_at", "updated_at"],
        TicketSLA: ["started_at", "stopped_at", "breached_at", "warned_at", "paused_at"],
    }  # fmt: skip
    for model, fields in stamped.items():
        for field in fields:
            late = model.objects.filter(**{f"{field}__gt": seeded}).count()
            assert late == 0, f"{late} {model.__name__}.{field} after now"
    # Today's arrivals are there, only not ahead of the clock.
    assert Ticket.objects.filter(created_at__gte=seeded - timedelta(hours=6)).exists()


def test_every_demo_team_has_business_hours_in_its_zone_with_its_country_holidays(seeded):
    for team in Team.objects.all():
        hours = TeamServiceSettings.objects.get(team=team).business_hours
        assert hours.time_zone == team.time_zone
        assert hours.holiday_country == team.country
        assert hours.weekly, team.slug
    priorities = {p for policy in SLAPolicy.objects.all() for p in policy.priorities}
    assert priorities == {int(p) for p in Ticket.Priority}
    assert all(
        p.first_reply_minutes and p.next_reply_minutes and p.resolution_minutes
        for p in SLAPolicy.objects.all()
    )
    assert RoutingRule.objects.filter(is_default=True).count() == 1


def test_the_first_page_view_after_seeding_shows_real_sla_figures(seeded, client):
    client.force_login(User.objects.get(username="manager"))
    with time_machine.travel(seeded + timedelta(seconds=5), tick=False):
        overview = client.get("/metrics/overview/")
        team = client.get("/metrics/team/")

    summary = overview.context["summary"]
    assert summary["created"] > 0  # rollups were built during the seeding
    assert summary["sla_breached"] > 0
    assert 0.5 < summary["sla_rate"] < 1
    for row in overview.context["teams"]:  # every team, not only in total
        assert 0 < row["summary"]["sla_rate"] < 1, row["team"].slug
    queue = team.context["queue"]
    assert queue["breached"]["n"] > 0
    assert queue["at_risk"]["n"] > 0


def test_seeded_sla_targets_follow_the_policies_and_the_ticket_history(seeded):
    solved = TicketSLA.objects.filter(ticket__status__in=Ticket.DONE)
    assert solved.filter(met=True).exists()
    assert solved.filter(met=False).exists()
    assert not solved.filter(stopped_at__isnull=True).exists()
    for sla in TicketSLA.objects.filter(kind="first_reply", met__isnull=False).select_related(
        "ticket"
    )[:50]:
        assert sla.started_at == sla.ticket.created_at
        assert sla.met == (sla.stopped_at <= sla.due_at)
    running = Ticket.objects.unsolved().exclude(status__in=["pending", "on_hold"])
    assert not running.filter(due_at__isnull=True).exists()


@pytest.mark.parametrize("hour", [0, 5, 6, 12, 23])
def test_arrival_times_are_never_after_now_whatever_the_hour(hour):
    # The old formula (now - (day, now.hour - drawn hour)) put a fifth of today's arrivals
    # up to 18 hours ahead when seeding early in the UTC day.
    now = datetime(2026, 12, 2, hour, 7, tzinfo=UTC)
    rng = random.Random(hour)

    arrivals = [_created_at(rng, now, 90) for _ in range(3000)]

    assert max(arrivals) <= now
    assert min(arrivals) >= now - timedelta(days=91)
    assert any(now - a < timedelta(hours=24) for a in arrivals)  # the last day has arrivals
