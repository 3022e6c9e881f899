"""Only the new words (quotes and signatures folded, not lost) and the signed Reply-To."""

from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

import pytest
from django.core import mail

from tickets import services
from tickets.mail.reply_to import reply_address, ticket_id_from
from tickets.models import Message

CORPUS = Path(__file__).parent / "mail_corpus"
FOLD = "<details><summary>Show quoted text</summary>"


@pytest.fixture(autouse=True)
def _setup(category, team, settings):
    team.categories = [category.slug]
    team.save()
    settings.FRONTLINE = {**settings.FRONTLINE, "REPLY_TO_SIGNED": True}


def email(body: str, subject="App crashes", to="support@frontline.localhost", **headers):
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "Maya Chen <maya@users.example.org>", to, subject
    msg["Message-ID"] = make_msgid(domain="users.example.org")
    for key, value in headers.items():
        msg[key.replace("_", "-")] = value
    msg.set_content(body)
    return msg.as_bytes()


def test_quoted_history_in_a_new_html_ticket_is_folded_not_lost(db):
    ticket = services.email_ingest(
        raw=(CORPUS / "gmail_android_html_quote.eml").read_bytes()
    ).ticket
    body = ticket.messages.get().body_html
    new, quoted = body.split(FOLD)
    assert "O código promocional não funciona." in new
    assert "NATAL26" not in new
    assert "Use o código NATAL26" in quoted


def test_phone_signature_is_folded(db):
    ticket = services.email_ingest(raw=(CORPUS / "iphone_mail_utf8.eml").read_bytes()).ticket
    new, folded = ticket.messages.get().body_html.split(FOLD)
    assert "Sent from my iPhone" in folded
    assert "Uploading a photo fails" in new


def test_outlook_reply_in_german_keeps_only_the_new_words(
    agent, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        ticket = services.email_ingest(raw=email("The app crashes.")).ticket
    body = (
        "Danke, jetzt geht es.\n\nVon: Frontline Support <support@frontline.localhost>\n"
        "Gesendet: Montag, 30. November 2026 10:00\nAn: Maya Chen\n"
        f"Betreff: [{ticket.reference}] App crashes\n\nBitte App neu starten.\n"
    )
    result = services.email_ingest(raw=email(body, subject=f"AW: [{ticket.reference}] App crashes"))
    assert result.ticket == ticket
    new, quoted = ticket.messages.last().body_html.split(FOLD)
    assert new == "<p>Danke, jetzt geht es.</p>"
    assert "Bitte App neu starten." in quoted


def test_reply_to_the_signed_address_threads_without_headers_or_token(
    agent, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        ticket = services.email_ingest(raw=email("The app crashes.")).ticket
        services.ticket_reply(ticket=ticket, by=agent.user, body="Which version?")
    ours = mail.outbox[-1]
    [reply_to] = ours.reply_to
    assert f"+fl-{ticket.pk}-" in reply_to
    address = reply_to.split("<")[-1].rstrip(">")
    result = services.email_ingest(raw=email("Version 5.2", subject="version", to=address))
    assert (result.outcome, result.ticket) == ("appended", ticket)
    assert ticket.messages.filter(kind=Message.Kind.PUBLIC).count() == 3


def test_a_made_up_reply_address_does_not_thread(db):
    ticket = services.email_ingest(raw=email("The app crashes.")).ticket
    forged = f"support+fl-{ticket.pk}-0123456789ab@frontline.localhost"
    assert ticket_id_from([forged]) is None
    result = services.email_ingest(raw=email("hello", subject="hi", to=forged))
    assert result.outcome == "created"
    assert result.ticket != ticket


def test_signed_reply_address_is_off_unless_configured(settings):
    settings.FRONTLINE = {**settings.FRONTLINE, "REPLY_TO_SIGNED": False}
    assert reply_address(7) == ""
