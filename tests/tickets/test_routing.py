"""Routing rules (first match wins, default last), follow-the-sun and push-mode assignment."""

import datetime as dt
from datetime import UTC, datetime

import pytest
import time_machine

from teams.models import Presence, Team
from tests.factories import (
    AgentFactory,
    CategoryFactory,
    RequesterFactory,
    ShiftTemplateFactory,
    TeamFactory,
)
from tickets.models import RoutingRule, Ticket, TicketEvent, TicketRouting
from tickets.services import routing_decide, ticket_create

pytestmark = pytest.mark.django_db
MONDAY_10_UTC = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def create(category, subject="Help", body="Please help", **kw):
    requester = kw.pop("requester", None) or RequesterFactory()
    return ticket_create(subject=subject, body=body, requester=requester, category=category, **kw)


@pytest.fixture
def billing(db):
    return CategoryFactory(slug="billing", name="Billing")


@pytest.fixture
def teams(db):
    return {
        "en": TeamFactory(name="Billing EN", categories=["billing"], languages=["en"]),
        "de": TeamFactory(name="Billing DE", categories=["billing"], languages=["de"]),
        "fraud": TeamFactory(name="Fraud", categories=[]),
    }


def test_first_matching_rule_wins_and_is_recorded(billing, teams):
    RoutingRule.objects.create(
        name="Chargebacks", position=0, keywords=["chargeback"], team=teams["fraud"],
        set_priority=Ticket.Priority.HIGH, add_tags=["chargeback"],
    )  # fmt: skip
    RoutingRule.objects.create(name="German", position=1, languages=["de"], team=teams["de"])
    ticket = create(billing, body="I filed a CHARGEBACK", language="de")
    assert ticket.team == teams["fraud"]
    assert ticket.priority == Ticket.Priority.HIGH
    assert list(ticket.tags.values_list("name", flat=True)) == ["chargeback"]
    assert TicketRouting.objects.get(ticket=ticket).rule.name == "Chargebacks"
    event = TicketEvent.objects.get(ticket=ticket, kind="routed")
    assert "Chargebacks" in event.new
    assert create(billing, language="de").team == teams["de"]


def test_country_and_channel_conditions_and_default_rule(billing, teams):
    RoutingRule.objects.create(
        name="DE email", countries=["DE"], channels=["email"], team=teams["de"]
    )
    RoutingRule.objects.create(name="Default", is_default=True, position=0, team=teams["en"])
    de = RequesterFactory(country="DE")
    assert create(billing, requester=de, channel="email").team == teams["de"]
    assert create(billing, requester=de, channel="web").team == teams["en"]
    routed = TicketRouting.objects.order_by("-pk").first()
    assert routed.rule.name == "Default"


def test_without_rules_a_team_serving_category_and_language(billing, teams):
    assert create(billing, language="de").team == teams["de"]
    assert create(billing, language="fr").team == teams["en"]


def test_inactive_rules_are_skipped(billing, teams):
    RoutingRule.objects.create(name="Off", active=False, team=teams["fraud"])
    assert create(billing).team == teams["en"]


def test_follow_the_sun_sends_to_a_serving_team_on_shift(billing, teams):
    RoutingRule.objects.create(name="Billing", team=teams["en"])
    # Nobody in Billing EN works Monday 10:00 UTC; Billing DE has someone on shift.
    ShiftTemplateFactory(
        agent=AgentFactory(team=teams["en"]), weekday=0, start=dt.time(18), end=dt.time(23)
    )
    ShiftTemplateFactory(
        agent=AgentFactory(team=teams["de"]), weekday=0, start=dt.time(8), end=dt.time(16)
    )
    with time_machine.travel(MONDAY_10_UTC, tick=False):
        ticket = create(billing)
    assert ticket.team == teams["de"]
    routing = TicketRouting.objects.get(ticket=ticket)
    assert (routing.owner_team, routing.followed_sun) == (teams["en"], True)
    with time_machine.travel(datetime(2026, 3, 2, 19, 0, tzinfo=UTC), tick=False):
        assert create(billing).team == teams["en"]  # the owner is on shift again


def test_push_mode_assigns_the_least_loaded_available_skilled_agent(
    billing, teams, django_capture_on_commit_callbacks
):
    team = teams["en"]
    team.work_mode = Team.WorkMode.PUSH
    team.save()
    busy = AgentFactory(team=team, presence=Presence.AVAILABLE, skills=["billing"])
    free = AgentFactory(team=team, presence=Presence.AVAILABLE, skills=["billing"])
    AgentFactory(team=team, presence=Presence.OFFLINE, skills=["billing"])
    AgentFactory(team=team, presence=Presence.AVAILABLE, skills=["refunds"])
    Ticket.objects.create(
        subject="x", requester=RequesterFactory(), category=billing, team=team,
        assignee=busy.user, created_at=MONDAY_10_UTC,
    )  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        ticket = create(billing)
    ticket.refresh_from_db()
    assert ticket.assignee == free.user


def test_push_mode_leaves_ticket_unassigned_when_everyone_is_full(
    billing, teams, django_capture_on_commit_callbacks
):
    team = teams["en"]
    team.work_mode = Team.WorkMode.PUSH
    team.save()
    AgentFactory(team=team, presence=Presence.AVAILABLE, capacity=0)
    with django_capture_on_commit_callbacks(execute=True):
        ticket = create(billing)
    ticket.refresh_from_db()
    assert ticket.assignee is None


def test_follow_the_sun_sees_a_rota_edit_at_once(billing, teams):
    RoutingRule.objects.create(name="Billing", team=teams["en"])
    en = AgentFactory(team=teams["en"])
    ShiftTemplateFactory(
        agent=AgentFactory(team=teams["de"]), weekday=0, start=dt.time(8), end=dt.time(16)
    )
    with time_machine.travel(MONDAY_10_UTC, tick=False):
        assert create(billing).team == teams["de"]
        shift = ShiftTemplateFactory(agent=en, weekday=0, start=dt.time(9), end=dt.time(17))
        assert create(billing).team == teams["en"]
        shift.delete()
        assert create(billing).team == teams["de"]


def test_warm_routing_decision_reads_nothing_from_the_database(
    billing, teams, django_assert_num_queries
):
    """The rules, the teams and who is on shift come from the caches once warm; here nobody
    is on shift, so the decision also looks for cover and the owner keeps the ticket."""
    RoutingRule.objects.create(name="Billing", team=teams["en"])
    for team in (teams["en"], teams["de"]):
        for _ in range(5):
            ShiftTemplateFactory(agent=AgentFactory(team=team), weekday=0, start=dt.time(18))
    with time_machine.travel(MONDAY_10_UTC, tick=False):
        create(billing)  # warms the rules and the on-shift answers for this hour
        with django_assert_num_queries(0):
            decision = routing_decide(category=billing)
    assert (decision.team, decision.followed_sun) == (teams["en"], False)


def test_rule_and_team_edits_are_seen_by_the_next_ticket(
    billing, teams, django_capture_on_commit_callbacks
):
    rule = RoutingRule.objects.create(name="Billing", team=teams["en"])
    assert create(billing).team == teams["en"]
    rule.team = teams["de"]
    rule.save()
    assert create(billing).team == teams["de"]
    other = CategoryFactory(slug="refunds")
    rule.categories.add(other)  # now only refunds: billing falls through to the teams
    assert create(billing, language="en").team == teams["en"]
    rule.categories.clear()
    assert create(billing).team == teams["de"]
    RoutingRule.objects.filter(pk=rule.pk).delete()
    assert create(billing, language="en").team == teams["en"]
    teams["en"].work_mode = Team.WorkMode.PUSH
    teams["en"].save()
    agent = AgentFactory(team=teams["en"], presence=Presence.AVAILABLE)
    with django_capture_on_commit_callbacks(execute=True):
        ticket = create(billing, language="en")
    ticket.refresh_from_db()
    assert ticket.assignee == agent.user
