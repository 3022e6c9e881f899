"""The mail corpus (tests/tickets/mail_corpus/*.eml, shaped like what real clients and mail
servers send) through the same door as `manage.py ingest_email`: each message's expected
outcome is a row of expected.csv — ticket or not, requester, subject, first words of the
body, attachments."""

import csv
import io
from pathlib import Path

import pytest
from django.core import mail
from django.core.management import call_command

from teams.models import Sensitivity
from tests.factories import CategoryFactory
from tickets.mail.inbound import ORIGINAL_NAME
from tickets.models import Attachment, HeldEmail, Message, Ticket

CORPUS = Path(__file__).parent / "mail_corpus"
with (CORPUS / "expected.csv").open(encoding="utf-8", newline="") as fh:
    ROWS = list(csv.DictReader(fh))


@pytest.fixture(autouse=True)
def _setup(category, team):
    team.categories = [category.slug]
    team.save()


def ingest(path: Path) -> str:
    out = io.StringIO()
    call_command("ingest_email", str(path), stdout=out)
    return out.getvalue()


def test_corpus_is_broad():
    charsets = set()
    for path in CORPUS.glob("*.eml"):
        raw = path.read_bytes().lower()
        charsets.update(
            token.split(b"?")[1].decode() for token in raw.split(b"=?")[1:] if b"?" in token[:40]
        )
        for chunk in raw.split(b"charset=")[1:]:
            charsets.add(chunk[:20].strip(b'"').split(b'"')[0].split(b";")[0].split()[0].decode())
    assert len(ROWS) >= 60
    assert {r["file"] for r in ROWS} == {p.name for p in CORPUS.glob("*.eml")}
    assert len(charsets - {"us-ascii"}) >= 10, charsets


@pytest.mark.parametrize("row", ROWS, ids=[r["file"] for r in ROWS])
def test_corpus_message(row, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        outcome = ingest(CORPUS / row["file"]).split()[0]
    expected = row["outcome"]
    if not expected.startswith("created"):
        assert outcome == expected
        assert Ticket.objects.count() == 0
        assert mail.outbox == []  # never a reply to an auto-reply, a report or spam
        if expected == "held":
            held = HeldEmail.objects.get()
            assert (held.from_email, held.subject) == (row["requester"], row["subject"])
        return
    assert outcome == "created"
    ticket = Ticket.objects.get()
    assert ticket.requester.email == row["requester"]
    assert ticket.subject == row["subject"]
    first = ticket.messages.get(kind=Message.Kind.PUBLIC)
    assert " ".join(first.body_text.split()).startswith(row["body_starts"])
    assert "\ufffd" not in first.body_text + ticket.subject
    names = sorted(Attachment.objects.filter(ticket=ticket).values_list("name", flat=True))
    assert names == sorted([*filter(None, row["attachments"].split(";")), ORIGINAL_NAME])
    confirmations = [m for m in mail.outbox if ticket.reference in m.subject]
    assert len(confirmations) == (0 if expected == "created-no-confirmation" else 1)


def test_whole_corpus_through_the_command_in_one_go():
    """Every message, one after the other into one desk: none crashes, only people's mail
    makes tickets."""
    outcomes = [ingest(path).split()[0] for path in sorted(CORPUS.glob("*.eml"))]
    assert len(outcomes) == len(ROWS)
    created = sum(r["outcome"].startswith("created") for r in ROWS)
    assert outcomes.count("created") == created == Ticket.objects.count()
    assert outcomes.count("held") == HeldEmail.objects.count() == 7


def test_attached_message_is_kept_as_eml_with_its_text_folded(db):
    ingest(CORPUS / "outlook_forward_as_attachment.eml")
    ticket = Ticket.objects.get()
    eml = Attachment.objects.get(ticket=ticket, name="Your receipt 7781.eml")
    assert eml.content_type == "message/rfc822"
    assert b"Receipt 7781: Premium plan" in eml.file.read()
    body = ticket.messages.get().body_html
    assert "<details><summary>Attached e-mail: Your receipt 7781 (billing@shop.example)" in body
    assert "Receipt 7781: Premium plan, 12 months" in body


def test_inline_cid_image_is_shown_from_its_attachment(client, agent):
    ingest(CORPUS / "apple_mail_inline_image.eml")
    ticket = Ticket.objects.get()
    image = Attachment.objects.get(ticket=ticket, inline=True)
    assert image.inline
    client.force_login(agent.user)
    page = client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert f"/tickets/attachments/{image.pk}/preview/" in page


def test_the_original_email_is_kept_and_readable_whole(client, agent, lead):
    ingest(CORPUS / "gmail_android_html_quote.eml")
    ticket = Ticket.objects.get()
    original = Attachment.objects.get(ticket=ticket, name=ORIGINAL_NAME)
    assert original.content_type == "message/rfc822"
    url = f"/tickets/attachments/{original.pk}/email/"
    client.force_login(agent.user)
    page = client.get(url).content.decode()
    assert "Use o código NATAL26" in page  # nothing folded away here
    assert "Show quoted text" not in page
    assert "diego.alves@gmail.example" not in page  # associates see no addresses
    assert f'href="{url}"' in client.get(f"/tickets/{ticket.pk}/").content.decode()
    client.force_login(lead.user)
    assert "diego.alves@gmail.example" in client.get(url).content.decode()


def test_a_file_that_is_not_an_email_has_no_reader(client, agent):
    ingest(CORPUS / "unclosed_multipart_pdf.eml")
    pdf = Attachment.objects.get(name="invoice-1202.pdf")
    client.force_login(agent.user)
    assert client.get(f"/tickets/attachments/{pdf.pk}/email/").status_code == 404


def test_the_original_email_of_a_sensitive_ticket_opens_only_after_a_reveal(client, lead):
    """The kept .eml can carry the original images: on a sensitive ticket its reader is
    behind the same reveal gate as a download."""
    ingest(CORPUS / "apple_mail_inline_image.eml")
    ticket = Ticket.objects.get()
    ticket.category = CategoryFactory(slug="self-harm", sensitivity=Sensitivity.SENSITIVE)
    ticket.save(update_fields=["category"])
    original = Attachment.objects.get(ticket=ticket, name=ORIGINAL_NAME)
    url = f"/tickets/attachments/{original.pk}/email/"
    client.force_login(lead.user)
    refused = client.get(url)
    assert refused.status_code == 403
    assert f'href="{url}"' not in client.get(f"/tickets/{ticket.pk}/").content.decode()
    revealed = client.post(f"/tickets/attachments/{original.pk}/reveal/")
    assert revealed.status_code in (200, 302), revealed.content.decode()[:300]
    assert client.get(url).status_code == 200
