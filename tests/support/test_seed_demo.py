"""`manage.py seed_demo`: the demo operation, created once, never on a production configuration."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from teams.models import Agent, ExposureEntry, Role, Team, Vendor
from tickets.models import Category, Message, Requester, Ticket, TicketEvent

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
