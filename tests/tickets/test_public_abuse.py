"""The doors without an account — the help form, CSAT links, the inbound-email webhook —
are rate limited per client address (429 with Retry-After) and a replayed request files
nothing twice."""

from datetime import timedelta
from email.message import EmailMessage

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from tests.factories import TicketFactory
from tickets.forms import HelpForm
from tickets.models import CSATResponse, Message, Ticket
from tickets.services.csat import csat_send_survey, csat_token


@pytest.fixture(autouse=True)
def _routable(category, team, settings):
    team.categories = [category.slug]
    team.save()
    settings.FRONTLINE = {**settings.FRONTLINE, "INBOUND_EMAIL_SECRET": "s3cret"}


def form(category, **over):
    return {"email": "sam@users.example.org", "name": "Sam", "category": category.slug,
            "subject": "Code never arrives", "description": "Three times.",
            "nonce": HelpForm.new_nonce(), **over}  # fmt: skip


# --- help form ---------------------------------------------------------------------------


def test_the_same_submission_twice_files_one_ticket_and_shows_its_confirmation(client, category):
    data = form(category)
    first = client.post(reverse("help:form"), data)
    again = client.post(reverse("help:form"), data)
    assert first.status_code == again.status_code == 302
    assert Ticket.objects.count() == 1
    # Both confirmations name the one ticket (the links are signed with a timestamp, so two
    # posts a second apart carry different links to the same page).
    ticket = Ticket.objects.get()
    for response in (first, again):
        assert ticket.reference in client.get(response["Location"]).content.decode()
    assert len(mail.outbox) <= 1


def test_a_fresh_form_each_time_files_separate_tickets(client, category):
    page = client.get(reverse("help:form")).content.decode()
    assert 'name="nonce"' in page
    assert client.post(reverse("help:form"), form(category)).status_code == 302
    assert client.post(reverse("help:form"), form(category, subject="Other")).status_code == 302
    assert Ticket.objects.count() == 2


@pytest.mark.parametrize(
    ("nonce", "message"),
    [
        ("forged", "This form is not valid; reload the page."),
        ("", "This form is incomplete; reload the page and send again."),
    ],
)
def test_forged_or_missing_nonce_is_a_400_with_a_fresh_form(client, category, nonce, message):
    response = client.post(reverse("help:form"), form(category, nonce=nonce))
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert "Code never arrives" in html, "what was typed is kept"
    assert not Ticket.objects.exists()


def test_a_form_left_open_too_long_is_refused_with_the_reason(client, category):
    data = form(category)
    with time_machine.travel(timedelta(hours=7)):
        response = client.post(reverse("help:form"), data)
    assert response.status_code == 400
    assert "open for more than 6 hours" in response.content.decode()
    assert not Ticket.objects.exists()


def test_help_form_rate_limit_answers_429_with_retry_after(client, category, settings):
    settings.FRONTLINE = {**settings.FRONTLINE, "HELP_FORM_RATE_PER_IP": 1}
    assert client.post(reverse("help:form"), form(category)).status_code == 302
    limited = client.post(reverse("help:form"), form(category, email="b@users.example.org"))
    assert limited.status_code == 429
    assert int(limited["Retry-After"]) > 0


def test_forwarded_for_cannot_dodge_the_limit_unless_a_proxy_is_configured(
    client, category, settings
):
    settings.FRONTLINE = {**settings.FRONTLINE, "HELP_FORM_RATE_PER_IP": 1}

    def post(i):
        return client.post(
            reverse("help:form"), form(category, email=f"u{i}@users.example.org"),
            REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=f"198.51.100.{i}",
        ).status_code  # fmt: skip

    assert [post(1), post(2)] == [302, 429]
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    assert [post(3), post(4)] == [302, 302]  # each real client has its own budget


# --- CSAT links ----------------------------------------------------------------------------


def test_csat_link_replay_and_rate_limit(client, team, settings):
    settings.FRONTLINE = {**settings.FRONTLINE, "CSAT_SURVEYS": True, "CSAT_RATE_PER_IP": 3}
    ticket = TicketFactory(team=team, status=Ticket.Status.SOLVED)
    csat_send_survey(ticket_id=ticket.pk)
    good = reverse("help:csat_rate", args=[csat_token(ticket_id=ticket.pk, rating=5)])
    bad = reverse("help:csat_rate", args=[csat_token(ticket_id=ticket.pk, rating=1)])
    assert client.get(good).status_code == 302
    client.get(bad)  # a different rating by its own link is the requester's choice
    replay = client.get(good)  # the old link again must not flip it back
    assert CSATResponse.objects.get(ticket=ticket).rating == 1
    assert replay.status_code in (302, 409, 410)
    limited = client.get(good)
    assert limited.status_code == 429
    assert int(limited["Retry-After"]) > 0


# --- inbound email webhook -----------------------------------------------------------------


def raw(message_id: bool = True) -> bytes:
    msg = EmailMessage()
    msg["From"] = "Maya <maya@users.example.org>"
    msg["To"] = "support@frontline.localhost"
    msg["Subject"] = "App crashes"
    if message_id:
        msg["Message-ID"] = "<one@users.example.org>"
    msg.set_content("It crashes.")
    return msg.as_bytes()


def post(client, body, secret="s3cret", addr="203.0.113.9"):  # noqa: S107 - test secret
    return client.post(
        reverse("inbound_email"), body, content_type="message/rfc822",
        HTTP_X_FRONTLINE_SECRET=secret, REMOTE_ADDR=addr,
    )  # fmt: skip


@pytest.mark.parametrize("message_id", [True, False])
def test_a_replayed_webhook_call_files_nothing_twice(client, message_id):
    first = post(client, raw(message_id))
    again = post(client, raw(message_id))
    assert first.status_code == again.status_code == 202
    assert first.json()["outcome"] == "created"
    assert again.json()["outcome"] == "duplicate"
    assert again.json()["ticket"] == first.json()["ticket"]
    assert Ticket.objects.count() == 1
    assert Message.objects.count() == 1


def test_webhook_is_rate_limited_per_address_bad_secrets_included(client, settings):
    settings.FRONTLINE = {**settings.FRONTLINE, "INBOUND_EMAIL_RATE_PER_IP": 3}
    assert post(client, raw(), secret="guess1").status_code == 403
    assert post(client, raw(), secret="guess2").status_code == 403
    assert post(client, raw()).status_code == 202
    limited = post(client, raw(), secret="guess3")
    assert limited.status_code == 429
    assert int(limited["Retry-After"]) > 0
    assert post(client, raw(), addr="192.0.2.1").status_code == 202  # another relay
