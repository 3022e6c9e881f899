import io
from email.message import EmailMessage
from email.utils import make_msgid

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse

from tests.factories import png_bytes
from tickets import services
from tickets.mail.inbound import parse, strip_quoted_text
from tickets.models import Attachment, Message, Ticket, TicketLink

PNG = png_bytes()


@pytest.fixture(autouse=True)
def _setup(category, team, settings):
    team.categories = [category.slug]
    team.save()
    settings.FRONTLINE = {**settings.FRONTLINE, "INBOUND_EMAIL_SECRET": "s3cret"}


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


def new_email(subject="App crashes", sender="Maya Chen <maya@users.example.org>", **headers):
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "support@frontline.localhost"
    msg["Subject"] = subject
    msg["Message-ID"] = make_msgid(domain="users.example.org")
    for key, value in headers.items():
        msg[key.replace("_", "-")] = value
    return msg


def alternative(**kw):
    msg = new_email(**kw)
    msg.set_content("The app crashes on start.\n\nAndroid 14.")
    msg.add_alternative(
        "<p>The app <b>crashes</b> on start.</p><script>alert(1)</script>", subtype="html"
    )
    return msg


def test_multipart_alternative_opens_a_ticket_and_confirms(on_commit, team):
    with on_commit():
        result = services.email_ingest(raw=alternative().as_bytes())
    assert result.outcome == "created"
    ticket = result.ticket
    assert ticket.channel == "email"
    assert ticket.team == team
    assert ticket.requester.name == "Maya Chen"
    body = ticket.messages.get().body_html
    assert "<b>crashes</b>" in body
    assert "script" not in body
    assert len(mail.outbox) == 1
    confirmation = mail.outbox[0]
    assert f"[{ticket.reference}]" in confirmation.subject
    assert confirmation.extra_headers["Auto-Submitted"] == "auto-replied"
    assert confirmation.extra_headers["In-Reply-To"] == ticket.messages.get().email_message_id


def test_attachments_and_inline_images(db, agent):
    msg = new_email()
    msg.set_content("See the screenshot.")
    msg.add_alternative('<p>See <img src="cid:shot1" alt="screen"></p>', subtype="html")
    msg.get_payload()[1].add_related(PNG, "image", "png", cid="<shot1>")
    msg.add_attachment(
        b"%PDF-1.4 fake", maintype="application", subtype="pdf", filename="invoice.pdf"
    )
    msg.add_attachment(
        b"MZ\x90\x00", maintype="application", subtype="octet-stream", filename="virus.exe"
    )
    result = services.email_ingest(raw=msg.as_bytes())
    ticket = result.ticket
    files = {a.name: a for a in Attachment.objects.filter(ticket=ticket)}
    assert set(files) == {"inline-shot1", "invoice.pdf", "original-message.eml"}
    assert files["inline-shot1"].content_id == "shot1"
    assert files["inline-shot1"].content_type == "image/png"
    assert files["invoice.pdf"].content_type == "application/pdf"
    note = ticket.messages.get(kind=Message.Kind.INTERNAL)
    assert "virus.exe" in note.body_text
    from django.test import Client

    client = Client()
    client.force_login(agent.user)
    page = client.get(reverse("tickets:detail", args=[ticket.pk])).content.decode()
    assert reverse("tickets:attachment_preview", args=[files["inline-shot1"].pk]) in page


def test_iso_8859_1_is_decoded():
    msg = new_email(subject="Problème de connexion")
    msg.set_content(
        "Ça ne marche pas, j'ai essayé trois fois.", charset="iso-8859-1", cte="quoted-printable"
    )
    raw = msg.as_bytes()
    assert b"=E7" in raw or b"=C7" in raw  # really Latin-1 on the wire
    parsed = parse(raw)
    assert parsed.text.strip() == "Ça ne marche pas, j'ai essayé trois fois."
    assert parsed.subject == "Problème de connexion"


def test_wrong_charset_label_does_not_crash():
    raw = (
        b"From: a@users.example.org\r\nSubject: x\r\nMessage-ID: <x1@u>\r\n"
        b"Content-Type: text/plain; charset=klingon\r\n\r\nCaf\xe9\r\n"
    )
    assert parse(raw).text.strip() == "Café"


def test_reply_quoting_our_email_threads_and_is_stripped(on_commit, agent):
    with on_commit():
        ticket = services.email_ingest(raw=alternative().as_bytes()).ticket
        services.ticket_reply(
            ticket=ticket, by=agent.user, body="Please update the app.", status="pending"
        )
    ours = mail.outbox[-1]
    assert ours.extra_headers["In-Reply-To"] == ticket.messages.first().email_message_id
    reply = new_email(subject=f"Re: {ours.subject}", In_Reply_To=ours.extra_headers["Message-ID"],
                      References=ours.extra_headers["References"] + " " + ours.extra_headers["Message-ID"])  # fmt: skip
    reply.set_content(
        "Updated, still broken.\n\nOn Mon, 2 Mar 2026 at 10:00, Frontline Support wrote:\n> Please update the app.\n> --\n"
    )
    result = services.email_ingest(raw=reply.as_bytes())
    assert result.outcome == "appended"
    assert result.ticket.pk == ticket.pk
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.OPEN
    last = ticket.messages.last()
    assert last.body_text.splitlines()[0] == "Updated, still broken."
    new, quoted = last.body_html.split("<details><summary>Show quoted text</summary>")
    assert new == "<p>Updated, still broken.</p>"
    assert "Please update the app." in quoted  # folded, not lost


def test_subject_token_threads_only_for_the_requester(db):
    ticket = services.email_ingest(raw=alternative().as_bytes()).ticket
    follow = new_email(subject=f"More info [{ticket.reference}]")
    follow.set_content("Also on iOS.")
    assert services.email_ingest(raw=follow.as_bytes()).ticket.pk == ticket.pk
    stranger = new_email(subject=f"Hijack [{ticket.reference}]", sender="eve@evil.example")
    stranger.set_content("let me in")
    result = services.email_ingest(raw=stranger.as_bytes())
    assert result.outcome == "created"
    assert result.ticket.pk != ticket.pk


def test_reply_to_closed_ticket_creates_follow_up(db, agent):
    ticket = services.email_ingest(raw=alternative().as_bytes()).ticket
    services.ticket_change_status(ticket=ticket, by=agent.user, status="solved")
    services.ticket_change_status(ticket=ticket, by=agent.user, status="closed")
    again = new_email(subject=f"Re: [{ticket.reference}] App crashes")
    again.set_content("It is back.")
    result = services.email_ingest(raw=again.as_bytes())
    assert result.outcome == "appended"
    assert result.ticket.pk != ticket.pk
    assert TicketLink.objects.get(source=result.ticket).target == ticket


@pytest.mark.parametrize(
    "headers",
    [
        {"Auto_Submitted": "auto-replied"},
        {"Precedence": "bulk"},
        {"X_Autoreply": "yes"},
        {"Return_Path": "<>"},
    ],
)
def test_auto_replies_never_create_tickets_or_mail(headers, on_commit):
    msg = new_email(subject="Out of office", **headers)
    msg.set_content("I am away until Monday.")
    with on_commit():
        result = services.email_ingest(raw=msg.as_bytes())
    assert result.outcome == "skipped"
    assert Ticket.objects.count() == 0
    assert mail.outbox == []


def test_bounce_report_is_skipped(db):
    msg = new_email(subject="Undelivered Mail", sender="MAILER-DAEMON@mx.example.org")
    msg.set_content("Delivery failed")
    msg.replace_header(
        "Content-Type", 'multipart/report; report-type=delivery-status; boundary="b"'
    )
    assert services.email_ingest(raw=msg.as_bytes()).outcome == "skipped"


def test_our_own_mail_and_duplicates_are_ignored(db, settings):
    own = new_email(sender=settings.DEFAULT_FROM_EMAIL)
    own.set_content("loop?")
    assert services.email_ingest(raw=own.as_bytes()).outcome == "skipped"
    raw = alternative().as_bytes()
    first = services.email_ingest(raw=raw)
    second = services.email_ingest(raw=raw)
    assert second.outcome == "duplicate"
    assert second.ticket == first.ticket
    assert Message.objects.count() == 1


def test_strip_quoted_text_variants():
    assert strip_quoted_text("Thanks!\n\n-----Original Message-----\nFrom: x") == "Thanks!"
    assert strip_quoted_text("Yes\n> old\n> older\n") == "Yes"
    assert strip_quoted_text("Merci\n\nLe lun. 2 mars 2026, Support a écrit :\n> x") == "Merci"


def test_webhook_door(client):
    raw = alternative().as_bytes()
    url = reverse("inbound_email")
    assert client.post(url, raw, content_type="message/rfc822").status_code == 403
    assert (
        client.post(
            url, raw, content_type="message/rfc822", HTTP_X_FRONTLINE_SECRET="no"
        ).status_code
        == 403
    )
    assert (
        client.post(
            url, raw, content_type="text/plain", HTTP_X_FRONTLINE_SECRET="s3cret"
        ).status_code
        == 415
    )
    bad = client.post(
        url, b"garbage", content_type="message/rfc822", HTTP_X_FRONTLINE_SECRET="s3cret"
    )
    assert bad.status_code == 400
    ok = client.post(url, raw, content_type="message/rfc822", HTTP_X_FRONTLINE_SECRET="s3cret")
    assert ok.status_code == 202
    assert ok.json()["outcome"] == "created"
    assert ok.json()["ticket"].startswith("FL-")


def test_webhook_disabled_without_secret(client, settings):
    settings.FRONTLINE = {**settings.FRONTLINE, "INBOUND_EMAIL_SECRET": ""}
    response = client.post(
        reverse("inbound_email"), b"x", content_type="message/rfc822", HTTP_X_FRONTLINE_SECRET=""
    )
    assert response.status_code == 403


def test_management_command_door(tmp_path, monkeypatch):
    path = tmp_path / "m.eml"
    path.write_bytes(alternative().as_bytes())
    out = io.StringIO()
    call_command("ingest_email", str(path), stdout=out)
    assert out.getvalue().startswith("created FL-")
    stdin = io.TextIOWrapper(io.BytesIO(alternative(subject="via stdin").as_bytes()))
    monkeypatch.setattr("sys.stdin", stdin)
    out = io.StringIO()
    call_command("ingest_email", "-", stdout=out)
    assert Ticket.objects.filter(subject="via stdin").exists()


class FakeIMAP:
    def __init__(self, messages):
        self.messages = messages
        self.seen = []

    def search(self, charset, criterion):
        return "OK", [b" ".join(str(i + 1).encode() for i in range(len(self.messages)))]

    def fetch(self, num, what):
        return "OK", [(b"1 (BODY[] {n}", self.messages[int(num) - 1]), b")"]

    def store(self, num, flags, value):
        self.seen.append(int(num))

    def close(self):
        pass

    def logout(self):
        pass


def test_imap_poll_door(settings, monkeypatch):
    from tickets import tasks

    settings.FRONTLINE = {
        **settings.FRONTLINE,
        "INBOUND_IMAP_URL": "imaps://u:p@imap.example.org/INBOX",
    }
    auto = new_email(Auto_Submitted="auto-replied")
    auto.set_content("away")
    fake = FakeIMAP([alternative().as_bytes(), auto.as_bytes(), b"not an email"])
    monkeypatch.setattr(tasks, "imap_connect", lambda url: fake)
    counts = tasks.inbound_poll_imap.delay().get()
    assert counts == {"created": 1, "skipped": 1, "unreadable": 1}
    assert fake.seen == [1, 2, 3]
    assert tasks.inbound_poll_imap.delay().get() == {"duplicate": 1, "skipped": 1, "unreadable": 1}
