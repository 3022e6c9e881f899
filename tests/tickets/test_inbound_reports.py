"""Bounces and receipts noted on their ticket, bouncing addresses held, spam held for review,
blocked senders dropped, and the per-sender hourly limit."""

from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

import pytest
from django.core import mail
from django.urls import reverse

from tests.factories import AgentFactory, MessageFactory, RequesterFactory, TicketFactory
from tickets import services
from tickets.models import BlockedSender, HeldEmail, Message, Ticket

CORPUS = Path(__file__).parent / "mail_corpus"
OURS = "<174000000000.1.fl7@frontline.example>"  # the Message-ID the corpus bounces quote


@pytest.fixture(autouse=True)
def _setup(category, team):
    team.categories = [category.slug]
    team.save()


@pytest.fixture
def ticket(team, category):
    requester = RequesterFactory(email="gone.user@old-isp.example")
    ticket = TicketFactory(team=team, category=category, requester=requester)
    MessageFactory(ticket=ticket, author_requester=None, email_message_id=OURS)
    return ticket


def corpus(name: str) -> bytes:
    return (CORPUS / name).read_bytes()


def notes(ticket) -> list[str]:
    return list(
        ticket.messages.filter(kind=Message.Kind.INTERNAL, is_automated=True).values_list(
            "body_text", flat=True
        )
    )


def test_hard_bounce_is_noted_and_holds_mail_to_the_address(
    ticket, agent, client, django_capture_on_commit_callbacks
):
    result = services.email_ingest(raw=corpus("postfix_bounce_dsn.eml"))
    assert (result.outcome, result.ticket) == ("noted", ticket)
    [note] = notes(ticket)
    assert "gone.user@old-isp.example could not be delivered" in note
    assert "5.1.1" in note
    ticket.requester.refresh_from_db()
    assert ticket.requester.email_bounced_at is not None
    # the same report again is not noted twice
    assert services.email_ingest(raw=corpus("postfix_bounce_dsn.eml")).outcome == "duplicate"
    assert len(notes(ticket)) == 1

    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_reply(ticket=ticket, by=agent.user, body="Any news?")
    assert mail.outbox == []
    assert any(
        n.startswith("E-mail held, not sent: gone.user@old-isp.example") for n in notes(ticket)
    )

    client.force_login(agent.user)
    page = client.get(reverse("tickets:detail", args=[ticket.pk])).content.decode()
    assert "E-mail bouncing since" in page
    assert Ticket.objects.count() == 1


def test_bounce_for_someone_else_is_noted_but_marks_nobody(ticket):
    result = services.email_ingest(raw=corpus("exim_bounce_plain.eml"))
    assert result.outcome == "noted"
    assert "old.customer@closed.example could not be delivered" in notes(ticket)[0]
    ticket.requester.refresh_from_db()
    assert ticket.requester.email_bounced_at is None


def test_bounce_found_by_ticket_reference_when_message_id_is_unknown(team, category):
    requester = RequesterFactory(email="hmeier@notes.example")
    ticket = TicketFactory(team=team, category=category, requester=requester)
    raw = corpus("lotus_notes_delivery_failure.eml").replace(
        b"[FL-12]", f"[{ticket.reference}]".encode()
    )
    assert services.email_ingest(raw=raw).ticket == ticket
    requester.refresh_from_db()
    assert requester.email_bounced_at is not None


def test_read_receipt_is_noted_without_marking(team, category):
    ticket = TicketFactory(team=team, category=category)
    MessageFactory(ticket=ticket, email_message_id="<174000000000.2.fl15@frontline.example>")
    result = services.email_ingest(raw=corpus("mdn_outlook_read_receipt.eml"))
    assert (result.outcome, result.ticket) == ("noted", ticket)
    assert notes(ticket)[0].startswith("Read receipt from")
    ticket.requester.refresh_from_db()
    assert ticket.requester.email_bounced_at is None


def test_report_about_nothing_we_know_is_skipped(db):
    result = services.email_ingest(raw=corpus("qmail_failure_notice.eml"))
    assert result.outcome == "skipped"
    assert Ticket.objects.count() == 0


def test_requester_writing_again_clears_the_bouncing_mark(
    ticket, django_capture_on_commit_callbacks
):
    services.email_ingest(raw=corpus("postfix_bounce_dsn.eml"))
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "gone.user@old-isp.example", "support@x", "Hi"
    msg["Message-ID"] = make_msgid()
    msg.set_content("I fixed my mailbox.")
    with django_capture_on_commit_callbacks(execute=True):
        services.email_ingest(raw=msg.as_bytes())
    ticket.requester.refresh_from_db()
    assert ticket.requester.email_bounced_at is None
    assert len(mail.outbox) == 1  # the new ticket's confirmation goes out again


def test_spam_is_held_and_a_lead_releases_it(client, team, django_capture_on_commit_callbacks):
    lead = AgentFactory(team=team, role="lead")
    assert services.email_ingest(raw=corpus("spamassassin_flag_yes.eml")).outcome == "held"
    held = HeldEmail.objects.get()
    client.force_login(lead.user)
    page = client.get(reverse("tickets:spam"))
    assert page.status_code == 200
    assert "X-Spam-Flag: YES" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("tickets:spam_release", args=[held.pk]))
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert ticket.requester.email == "offers@promo-blast.example"
    assert len(mail.outbox) == 1
    assert not HeldEmail.objects.exists()


def test_associates_cannot_see_the_spam_view(client, agent):
    client.force_login(agent.user)
    assert client.get(reverse("tickets:spam")).status_code == 404


def test_block_sender_drops_their_later_mail(client, team):
    lead = AgentFactory(team=team, role="admin")
    services.email_ingest(raw=corpus("local_score_lottery.eml"))
    held = HeldEmail.objects.get()
    client.force_login(lead.user)
    assert client.post(reverse("tickets:spam_block", args=[held.pk])).status_code == 302
    assert BlockedSender.objects.get().email == "board@lotto-intl.example"
    assert not HeldEmail.objects.exists()
    clean = EmailMessage()
    clean["From"], clean["To"], clean["Subject"] = "board@lotto-intl.example", "s@x", "Hello"
    clean["Message-ID"] = make_msgid()
    clean.set_content("Just a normal question.")
    assert services.email_ingest(raw=clean.as_bytes()).outcome == "dropped"
    assert Ticket.objects.count() == 0


def test_delete_removes_a_held_message(client, team):
    lead = AgentFactory(team=team, role="lead")
    services.email_ingest(raw=corpus("dmarc_fail_spoof.eml"))
    client.force_login(lead.user)
    held = HeldEmail.objects.get()
    assert client.post(reverse("tickets:spam_delete", args=[held.pk])).status_code == 302
    assert not HeldEmail.objects.exists()
    assert Ticket.objects.count() == 0


def test_per_sender_limit_breaks_a_loop(settings):
    settings.FRONTLINE = {**settings.FRONTLINE, "INBOUND_RATE_PER_SENDER": 2}
    outcomes = []
    for n in range(3):
        msg = EmailMessage()
        msg["From"], msg["To"], msg["Subject"] = "robot@loop.example", "s@x", f"Ticket {n}"
        msg["Message-ID"] = make_msgid()
        msg.set_content("An automatic notice without any auto headers.")
        outcomes.append(services.email_ingest(raw=msg.as_bytes()).outcome)
    assert outcomes == ["created", "created", "skipped"]
