"""Fixtures for metrics tests: teams with a lead, a manager and associates; tickets driven
through the ticket services at frozen times."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from teams.models import Role, Vendor
from tests.factories import (
    AgentFactory,
    CategoryFactory,
    RequesterFactory,
    TeamFactory,
    VendorFactory,
)
from tickets.models import SLAPolicy, Ticket
from tickets.services import ticket_create, ticket_reply

NOW = datetime(2026, 3, 18, 15, 0, tzinfo=UTC)  # a Wednesday


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def org(db):
    """Two in-house teams under one manager, a BPO team; a lead on team A; associates."""
    inhouse = VendorFactory(kind=Vendor.Kind.IN_HOUSE)
    bpo = VendorFactory(kind=Vendor.Kind.BPO)
    manager = AgentFactory(role=Role.MANAGER, team=None)
    lead = AgentFactory(role=Role.LEAD, team=None)
    team_a = TeamFactory(vendor=inhouse, lead=lead.user, manager=manager.user)
    team_b = TeamFactory(vendor=inhouse, manager=manager.user)
    team_bpo = TeamFactory(vendor=bpo, manager=manager.user)
    lead.team = team_a
    lead.save()
    bpo_lead = AgentFactory(role=Role.LEAD, team=team_bpo)
    team_bpo.lead = bpo_lead.user
    team_bpo.save()
    return {
        "manager": manager.user,
        "lead": lead.user,
        "bpo_lead": bpo_lead.user,
        "team_a": team_a,
        "team_b": team_b,
        "team_bpo": team_bpo,
        "a1": AgentFactory(team=team_a).user,
        "a2": AgentFactory(team=team_a).user,
        "b1": AgentFactory(team=team_b).user,
        "bpo1": AgentFactory(team=team_bpo).user,
        "login": CategoryFactory(slug="account-access"),
        "billing": CategoryFactory(slug="billing"),
        "requester": RequesterFactory(),
    }


def make_ticket(org, *, team, category, created, reply_after=None, agent=None, solve=False, **kw):
    """A ticket created at `created`; replied (and maybe solved) `reply_after` later by `agent`."""
    with time_machine.travel(created, tick=False):
        ticket = ticket_create(
            subject="Help",
            body="Please",
            requester=org["requester"],
            category=category,
            team=team,
            **kw,
        )
    if reply_after is not None:
        with time_machine.travel(created + reply_after, tick=False):
            ticket_reply(
                ticket=ticket, by=agent, body="Done", status=Ticket.Status.SOLVED if solve else None
            )
    ticket.refresh_from_db()
    return ticket


def days_ago(n, hours=0):
    return NOW - timedelta(days=n, hours=hours)


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Report files are written under a per-test folder, not var/media."""
    settings.MEDIA_ROOT = tmp_path / "media"


def urgent_policy():
    """The "Urgent" SLA policy: urgent tickets get a first reply in 60 min, resolution 4 h."""
    return SLAPolicy.objects.create(
        name="Urgent", priorities=[4], first_reply_minutes=60, resolution_minutes=240,
        business_time=False,
    )  # fmt: skip
