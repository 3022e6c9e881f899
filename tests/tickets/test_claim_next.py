import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection, connections

from teams.models import Sensitivity
from tests.factories import AgentFactory, CategoryFactory, TeamFactory, TicketFactory
from tickets import services
from tickets.models import Ticket, TicketEvent, TicketSLA, WebhookDelivery
from tickets.services.webhooks import webhook_endpoint_create

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def t(team, category, minutes_due=None, priority=2, age=0, **kw):
    return TicketFactory(
        team=team,
        category=category,
        priority=priority,
        due_at=NOW + timedelta(minutes=minutes_due) if minutes_due is not None else None,
        created_at=NOW - timedelta(minutes=age),
        **kw,
    )


def test_orders_by_due_time_then_priority_then_age(agent, category):
    team = agent.team
    later = t(team, category, minutes_due=60, priority=4)
    no_due = t(team, category, None, priority=4, age=500)
    soon_low = t(team, category, minutes_due=10, priority=1)
    same_due_urgent = t(team, category, minutes_due=10, priority=4)
    same_due_urgent_older = t(team, category, minutes_due=10, priority=4, age=30)
    got = [services.ticket_claim_next(agent=agent) for _ in range(5)]
    assert got == [same_due_urgent_older, same_due_urgent, soon_low, later, no_due]
    assert services.ticket_claim_next(agent=agent) is None


def test_claim_assigns_opens_and_logs(agent, category):
    ticket = t(agent.team, category, 5)
    claimed = services.ticket_claim_next(agent=agent)
    assert claimed == ticket
    claimed.refresh_from_db()
    assert claimed.assignee == agent.user
    assert claimed.status == Ticket.Status.OPEN
    assert list(TicketEvent.objects.filter(ticket=ticket).values_list("kind", flat=True)) == [
        "claim",
        "status",
    ]


def test_only_own_team_unassigned_and_workable(agent, other_agent, category):
    t(TeamFactory(), category, 1)  # another team
    t(agent.team, category, 2, assignee=other_agent.user)  # taken
    t(agent.team, category, 3, status=Ticket.Status.PENDING)  # waiting on requester
    t(agent.team, category, 4, status=Ticket.Status.SOLVED)
    mine = t(agent.team, category, 5, status=Ticket.Status.OPEN)
    assert services.ticket_claim_next(agent=agent) == mine
    assert services.ticket_claim_next(agent=agent) is None


def test_respects_skills_languages_and_clearance(team, category, sensitive, restricted):
    billing = CategoryFactory(slug="billing")
    agent = AgentFactory(
        presence="available",
        team=team,
        skills=["account-access", "safety-report"],
        languages=["en"],
    )
    t(team, billing, 1)
    t(team, category, 2, language="de")
    t(team, sensitive, 3)  # skilled but not cleared
    t(team, restricted, 4)
    good = t(team, category, 5, language="en")
    assert services.ticket_claim_next(agent=agent) == good
    assert services.ticket_claim_next(agent=agent) is None
    agent.clearance = Sensitivity.SENSITIVE
    agent.save()
    assert services.ticket_claim_next(agent=agent).category == sensitive


def test_respects_capacity(team, category):
    agent = AgentFactory(presence="available", team=team, capacity=2)
    t(team, category, 1, assignee=agent.user, status=Ticket.Status.OPEN)
    t(team, category, 2, assignee=agent.user, status=Ticket.Status.SOLVED)  # done: not load
    a = t(team, category, 3)
    t(team, category, 4)
    assert services.ticket_claim_next(agent=agent) == a
    assert services.ticket_claim_next(agent=agent) is None  # 2 open now


def test_never_hands_a_ticket_twice_sequentially(team, category):
    agents = [AgentFactory(presence="available", team=team, capacity=100) for _ in range(3)]
    for i in range(20):
        t(team, category, i)
    claimed = []
    while True:
        got = [services.ticket_claim_next(agent=a) for a in agents]
        got = [g.pk for g in got if g]
        if not got:
            break
        claimed += got
    assert sorted(claimed) == sorted(set(claimed))
    assert len(claimed) == 20


def test_agent_without_team_or_on_leave_gets_nothing(team, category):
    t(team, category, 1)
    assert services.ticket_claim_next(agent=AgentFactory(presence="available", team=None)) is None
    on_leave = AgentFactory(presence="available", team=team, status="on_leave")
    assert services.ticket_claim_next(agent=on_leave) is None


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_sixteen_threads_never_claim_the_same_ticket_on_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("SKIP LOCKED concurrency needs PostgreSQL")
    team = TeamFactory()
    category = CategoryFactory(slug="account-access")
    agents = [AgentFactory(presence="available", team=team, capacity=1000) for _ in range(16)]
    for i in range(500):
        t(team, category, i % 37, age=i)
    claims: dict[int, list[int]] = {a.pk: [] for a in agents}
    errors: list[BaseException] = []
    barrier = threading.Barrier(16)

    def work(agent):
        try:
            barrier.wait()
            while (ticket := services.ticket_claim_next(agent=agent)) is not None:
                claims[agent.pk].append(ticket.pk)
        except BaseException as exc:  # noqa: BLE001 — reported by the main thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(a,)) for a in agents]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert errors == []
    all_claims = [pk for pks in claims.values() for pk in pks]
    assert len(all_claims) == 500
    assert len(set(all_claims)) == 500
    owners = dict(Ticket.objects.values_list("pk", "assignee__agent__pk"))
    for agent_pk, pks in claims.items():
        assert all(owners[pk] == agent_pk for pk in pks)
    assert sum(1 for pks in claims.values() if pks) > 1  # the work really was shared


def test_claim_keeps_the_sla_clock_and_bumps_the_version(agent, category, requester):
    ticket = services.ticket_create(
        subject="Locked out", body="Help", requester=requester, category=category, team=agent.team
    )
    ticket.refresh_from_db()
    running = list(
        TicketSLA.objects.filter(ticket=ticket, stopped_at__isnull=True).values_list(
            "kind", "due_at"
        )
    )
    assert running
    assert ticket.due_at is not None
    claimed = services.ticket_claim_next(agent=agent)
    assert claimed == ticket
    claimed.refresh_from_db()
    assert (claimed.status, claimed.assignee, claimed.version) == (
        Ticket.Status.OPEN,
        agent.user,
        ticket.version + 1,
    )
    assert claimed.due_at == ticket.due_at  # the first-reply clock still runs, same due time
    assert running == list(
        TicketSLA.objects.filter(ticket=ticket, stopped_at__isnull=True).values_list(
            "kind", "due_at"
        )
    )


def test_claiming_an_open_ticket_logs_only_the_claim(agent, category):
    ticket = t(agent.team, category, 5, status=Ticket.Status.OPEN)
    assert services.ticket_claim_next(agent=agent) == ticket
    assert list(TicketEvent.objects.filter(ticket=ticket).values_list("kind", flat=True)) == [
        "claim"
    ]


def test_a_claim_tells_webhook_subscribers_what_changed(agent, category):
    t(agent.team, category, 5)
    assert services.ticket_claim_next(agent=agent) is not None
    assert not WebhookDelivery.objects.exists()  # nobody listens: nothing written
    webhook_endpoint_create(by=None, url="https://hooks.example.org/", events=["ticket.updated"])
    ticket = t(agent.team, category, 6)
    assert services.ticket_claim_next(agent=agent) == ticket
    delivery = WebhookDelivery.objects.get()
    assert (delivery.event, delivery.ticket_id) == ("ticket.updated", ticket.pk)
    assert delivery.payload["data"]["changed"] == ["assignee", "status"]
    assert delivery.payload["data"]["ticket"]["assignee_id"] == agent.user_id
    assert delivery.payload["data"]["ticket"]["status"] == Ticket.Status.OPEN


def test_a_claim_costs_the_same_few_statements_however_long_the_history(
    agent, category, sensitive, count_queries
):
    agent.clearance = Sensitivity.SENSITIVE
    agent.capacity = 500
    agent.save()
    for i in range(40):
        t(agent.team, sensitive if i % 2 else category, i)
    for _ in range(30):  # a history of claims, open load and exposure
        services.ticket_claim_next(agent=agent)
    plain = t(agent.team, category, -5)
    claimed, sql = count_queries(lambda: services.ticket_claim_next(agent=agent))
    assert claimed == plain
    # agent + its state; pick and assign (PostgreSQL: one UPDATE … RETURNING); the events.
    assert len(sql) == (3 if connection.vendor == "postgresql" else 4), sql
