"""CSAT surveys: scheduled after the solve, signed one-click links, replay and rate limits,
rating changes until close, crediting, and the low-rating alert."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from metrics.models import QAQueueItem
from teams.models import Role
from tests.factories import AgentFactory, CategoryFactory, RequesterFactory, TeamFactory
from tickets.models import CSATResponse, Message, Notification, Ticket, TicketEvent
from tickets.services import ticket_add_note, ticket_change_status, ticket_create, ticket_reply
from tickets.services.csat import csat_send_survey, csat_token

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 3, 18, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _frozen():
    """Links are signed and expire: run every test a little after the survey went out."""
    with time_machine.travel(T0 + timedelta(hours=2), tick=False):
        yield


@pytest.fixture
def solved(settings, django_capture_on_commit_callbacks):
    """A ticket answered by a1, then a2 (public), a note by a1, solved by a2 with an
    automated message after; the survey sent an hour later."""
    settings.FRONTLINE = {**settings.FRONTLINE, "CSAT_SURVEY_DELAY_SECONDS": 900}
    lead = AgentFactory(role=Role.LEAD, team=None)
    team = TeamFactory(lead=lead.user)
    a1, a2 = AgentFactory(team=team).user, AgentFactory(team=team).user
    with time_machine.travel(T0, tick=False):
        ticket = ticket_create(subject="Card declined", body="Help", requester=RequesterFactory(email="r@example.com"), category=CategoryFactory(), team=team)  # fmt: skip
    with time_machine.travel(T0 + timedelta(minutes=5), tick=False):
        ticket_reply(ticket=ticket, by=a1, body="Looking")
    with time_machine.travel(T0 + timedelta(minutes=10), tick=False):
        ticket_reply(ticket=ticket, by=a2, body="Fixed it")
    with time_machine.travel(T0 + timedelta(minutes=11), tick=False):
        ticket_add_note(ticket=ticket, by=a1, body="fyi")
    with time_machine.travel(T0 + timedelta(minutes=12), tick=False):
        ticket.refresh_from_db()
        ticket_change_status(ticket=ticket, by=a2, status=Ticket.Status.SOLVED)
    Message.objects.create(ticket=ticket, author_user=a1, body_html="auto", is_automated=True, created_at=T0 + timedelta(minutes=12))  # fmt: skip
    mail.outbox.clear()
    with (
        time_machine.travel(T0 + timedelta(hours=1), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        csat_send_survey(ticket_id=ticket.pk)
    ticket.refresh_from_db()
    return {"ticket": ticket, "a1": a1, "a2": a2, "lead": lead.user, "team": team}


def _links(message) -> dict[str, str]:
    urls = re.findall(r"http://[^\s\"]+", message.body)
    out = {}
    for url in urls:
        path = url.split("://", 1)[1].split("/", 1)[1]
        out["comment" if "/feedback/" in path else str(len(out) + 1)] = "/" + path
    return out


def test_solve_schedules_the_survey_after_the_configured_delay(
    settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.FRONTLINE = {
        **settings.FRONTLINE,
        "CSAT_SURVEYS": True,
        "CSAT_SURVEY_DELAY_SECONDS": 1800,
    }
    calls = []
    monkeypatch.setattr("tickets.tasks.csat_send_survey.apply_async", lambda *a, **kw: calls.append((a, kw)))  # fmt: skip
    agent = AgentFactory().user
    ticket = ticket_create(subject="x", body="y", requester=RequesterFactory(), category=CategoryFactory(), team=agent.agent.team)  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        ticket_reply(ticket=ticket, by=agent, body="Done", status=Ticket.Status.SOLVED)
    assert calls == [(((ticket.pk,),), {"countdown": 1800})]
    settings.FRONTLINE = {**settings.FRONTLINE, "CSAT_SURVEYS": False}
    ticket.refresh_from_db()
    ticket_change_status(ticket=ticket, by=agent, status=Ticket.Status.OPEN)
    with django_capture_on_commit_callbacks(execute=True):
        ticket_change_status(ticket=ticket, by=agent, status=Ticket.Status.SOLVED)
    assert len(calls) == 1  # surveys turned off


def test_survey_email_credits_the_last_public_replier_before_the_solve(solved):
    response = CSATResponse.objects.get(ticket=solved["ticket"])
    assert response.agent == solved["a2"]  # not a1's later note nor the automated message
    assert response.survey_sent_at == T0 + timedelta(hours=1)
    assert response.rating is None
    (message,) = mail.outbox
    assert message.to == ["r@example.com"]
    assert solved["ticket"].reference in message.subject
    assert set(_links(message)) == {"1", "2", "3", "4", "5", "comment"}
    # Sent once: a second run (task retried) sends nothing.
    assert csat_send_survey(ticket_id=solved["ticket"].pk) is None
    assert len(mail.outbox) == 1


def test_survey_not_sent_when_reopened_before_the_delay(settings):
    agent = AgentFactory().user
    ticket = ticket_create(subject="x", body="y", requester=RequesterFactory(), category=CategoryFactory(), team=agent.agent.team)  # fmt: skip
    ticket_reply(ticket=ticket, by=agent, body="Done", status=Ticket.Status.SOLVED)
    ticket.refresh_from_db()
    ticket_change_status(ticket=ticket, by=agent, status=Ticket.Status.OPEN)
    mail.outbox.clear()
    assert csat_send_survey(ticket_id=ticket.pk) is None
    assert not mail.outbox


def test_one_click_rating_is_recorded_and_bumps_the_ticket(client, solved):
    links = _links(mail.outbox[0])
    before = solved["ticket"].updated_at
    with time_machine.travel(T0 + timedelta(hours=2), tick=False):
        page = client.get(links["4"], REMOTE_ADDR="10.0.0.1", follow=True)
    assert page.status_code == 200
    assert "rating of 4 out of 5" in page.content.decode()
    response = CSATResponse.objects.get(ticket=solved["ticket"])
    assert (response.rating, response.rated_at) == (4, T0 + timedelta(hours=2))
    solved["ticket"].refresh_from_db()
    assert solved["ticket"].updated_at > before
    assert TicketEvent.objects.filter(ticket=solved["ticket"], kind="csat", new="4").exists()


def test_replayed_link_cannot_flip_the_rating_back(client, solved):
    links = _links(mail.outbox[0])
    assert client.get(links["4"], REMOTE_ADDR="10.0.0.2").status_code == 302
    assert client.get(links["4"], REMOTE_ADDR="10.0.0.2").status_code == 302  # double click
    assert client.get(links["3"], REMOTE_ADDR="10.0.0.2").status_code == 302  # changed mind
    replay = client.get(links["4"], REMOTE_ADDR="10.0.0.2")
    assert replay.status_code == 409
    assert "already used" in replay.content.decode()
    assert CSATResponse.objects.get(ticket=solved["ticket"]).rating == 3
    assert TicketEvent.objects.filter(ticket=solved["ticket"], kind="csat").count() == 2


def test_tampered_and_expired_links_are_refused(client, solved):
    links = _links(mail.outbox[0])
    token = links["5"].rstrip("/").rsplit("/", 1)[1]
    forged = csat_token(ticket_id=solved["ticket"].pk, rating=5).replace(":", ";", 1)
    assert client.get(reverse("help:csat_rate", args=[forged]), REMOTE_ADDR="10.0.0.3").status_code == 400  # fmt: skip
    tampered = token[:-3] + ("aaa" if token[-3:] != "aaa" else "bbb")
    response = client.get(reverse("help:csat_rate", args=[tampered]), REMOTE_ADDR="10.0.0.3")
    assert response.status_code == 400
    assert "not valid" in response.content.decode()
    with time_machine.travel(datetime.now(UTC) + timedelta(days=15)):
        response = client.get(links["5"], REMOTE_ADDR="10.0.0.3")
    assert response.status_code == 410
    assert "expired" in response.content.decode()
    assert CSATResponse.objects.get(ticket=solved["ticket"]).rating is None


def test_rating_and_comment_change_until_the_ticket_closes(client, solved):
    links = _links(mail.outbox[0])
    client.get(links["2"], REMOTE_ADDR="10.0.0.4")
    page = client.post(links["comment"], {"rating": "5", "comment": "Sorted in the end"}, REMOTE_ADDR="10.0.0.4")  # fmt: skip
    assert page.status_code == 200
    assert "Your answer is saved" in page.content.decode()
    response = CSATResponse.objects.get(ticket=solved["ticket"])
    assert (response.rating, response.comment) == (5, "Sorted in the end")
    ticket_change_status(ticket=solved["ticket"], by=solved["a2"], status=Ticket.Status.CLOSED)
    refused = client.post(links["comment"], {"rating": "1"}, REMOTE_ADDR="10.0.0.4")
    assert refused.status_code == 409
    assert client.get(links["1"], REMOTE_ADDR="10.0.0.4").status_code == 409
    assert CSATResponse.objects.get(ticket=solved["ticket"]).rating == 5
    assert "can no longer change" in client.get(links["comment"]).content.decode()
    assert client.post(links["comment"], {"rating": "nine"}, REMOTE_ADDR="10.0.0.4").status_code == 400  # fmt: skip


def test_low_rating_alerts_the_lead_and_queues_qa(client, solved):
    links = _links(mail.outbox[0])
    client.get(links["1"], REMOTE_ADDR="10.0.0.5")
    (note,) = Notification.objects.filter(user=solved["lead"], kind="low_csat")
    assert note.ticket == solved["ticket"]
    assert "CSAT 1/5" in note.text
    item = QAQueueItem.objects.get(ticket=solved["ticket"], reason=QAQueueItem.Reason.LOW_CSAT)
    assert item.agent == solved["a2"]
    client.get(links["2"], REMOTE_ADDR="10.0.0.5")  # still low: no second alert
    assert Notification.objects.filter(kind="low_csat").count() == 1


def test_rate_limit_per_ip(client, solved, settings):
    settings.FRONTLINE = {**settings.FRONTLINE, "CSAT_RATE_PER_IP": 2}
    links = _links(mail.outbox[0])
    assert client.get(links["3"], REMOTE_ADDR="10.9.9.9").status_code == 302
    assert client.get(links["4"], REMOTE_ADDR="10.9.9.9").status_code == 302
    assert client.get(links["5"], REMOTE_ADDR="10.9.9.9").status_code == 429
    assert CSATResponse.objects.get(ticket=solved["ticket"]).rating == 4


def test_demo_rates_about_a_quarter_of_solved_tickets(settings):
    from django.core.management import call_command

    from tickets.demo import seed_csat

    settings.DEBUG = True
    call_command("seed_demo", "--tickets", "400", verbosity=0)
    solved = Ticket.objects.filter(status__in=Ticket.DONE, assignee__isnull=False)
    rated = CSATResponse.objects.all()
    assert 0.15 * solved.count() <= rated.count() <= 0.35 * solved.count()
    assert set(rated.values_list("rating", flat=True)) <= {1, 2, 3, 4, 5}
    assert all(a == b for a, b in rated.values_list("agent_id", "ticket__assignee_id"))
    assert not rated.exclude(ticket__in=solved).exists()
    # Deterministic: the same tickets and seed give the same ratings.
    first = sorted(rated.values_list("ticket_id", "rating"))
    CSATResponse.objects.all().delete()
    seed_csat(list(Ticket.objects.order_by("pk")), now=T0 + timedelta(hours=2), seed=7)
    assert sorted(CSATResponse.objects.values_list("ticket_id", "rating")) == first
