"""Safe view on the server (issue 17 item 1): images of sensitive and restricted tickets get a
blurred greyscale derivative at every door, and an original leaves the server only after the
viewer's recorded reveal (POST per attachment), for pages and API alike."""

from __future__ import annotations

import hashlib
import io
from email.message import EmailMessage

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from PIL import Image, ImageStat
from rest_framework.test import APIClient

from teams.models import AuditEntry, ExposureReveal, Sensitivity
from tests.factories import AgentFactory, TeamFactory
from tickets import services
from tickets.forms import HelpForm
from tickets.mail.attachments import safe_preview_image
from tickets.models import Attachment, Ticket, TicketEvent

pytestmark = pytest.mark.django_db


def checkerboard(size=64, square=8) -> bytes:
    """A sharp black-and-white pattern in colour mode: what blurring must wash out."""
    image = Image.new("RGB", (size, size), "white")
    for x in range(0, size, square):
        for y in range(0, size, square):
            if (x // square + y // square) % 2:
                image.paste((200, 0, 0), (x, y, x + square, y + square))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


IMAGE = checkerboard()


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def associate(team):
    return AgentFactory(team=team, clearance=Sensitivity.SENSITIVE)


@pytest.fixture
def ticket(requester, sensitive, team):
    return services.ticket_create(
        subject="Threats", body="See the screenshot.", requester=requester, category=sensitive,
        team=team,
    )  # fmt: skip


@pytest.fixture
def image(ticket):
    return services.attachment_add(
        ticket=ticket, message=ticket.messages.get(), name="shot.png", data=IMAGE
    )


def originals(attachment) -> set[str]:
    """Hashes of the clear forms of an image: the upload and its re-encoded preview."""
    hashes = {attachment.sha256}
    if attachment.preview:
        with attachment.preview.open("rb") as f:
            hashes.add(sha(f.read()))
    return hashes


def plain_ticket(category, team) -> Ticket:
    requester = services.requester_get_or_create(email="sam@users.example.org")
    return services.ticket_create(
        subject="Login", body="Help", requester=requester, category=category, team=team
    )


# --- the derivative ------------------------------------------------------------------------


def test_the_derivative_is_small_greyscale_and_blurred():
    big = Image.open(io.BytesIO(checkerboard(size=800, square=40)))
    derived = Image.open(io.BytesIO(safe_preview_image(checkerboard(size=800, square=40))))
    assert derived.mode == "L"
    assert max(derived.size) <= 320
    sharp = ImageStat.Stat(big.convert("L").resize(derived.size)).stddev[0]
    assert ImageStat.Stat(derived).stddev[0] < sharp / 4  # the pattern is washed out


@pytest.mark.parametrize("door", ["service", "api", "reply", "note"])
def test_each_door_makes_the_derivative_on_a_sensitive_ticket(door, client, ticket, associate):
    if door == "service":
        services.attachment_add(ticket=ticket, message=None, name="a.png", data=IMAGE)
    elif door == "api":
        api = APIClient()
        api.force_authenticate(associate.user)
        response = api.post(
            f"/api/v1/tickets/{ticket.pk}/attachments/",
            {"file": SimpleUploadedFile("a.png", IMAGE)},
            format="multipart",
        )
        assert response.status_code == 201
        assert response.json()["safe_view"] is True
        assert response.json()["safe_preview_url"].endswith("/safe-preview/")
    else:
        client.force_login(associate.user)
        response = client.post(
            reverse(f"tickets:{door}", args=[ticket.pk]),
            {"body": "Noted.", "version": ticket.version, "files": SimpleUploadedFile("a.png", IMAGE)},
        )  # fmt: skip
        assert response.status_code == 302
    attachment = Attachment.objects.get(ticket=ticket)
    assert attachment.safe_preview
    with attachment.safe_preview.open("rb") as f:
        assert Image.open(f).mode == "L"


def test_email_intake_into_a_sensitive_category_makes_the_derivative(sensitive, team, settings):
    team.categories = [sensitive.slug]
    team.save()
    settings.FRONTLINE = {**settings.FRONTLINE, "INBOUND_DEFAULT_CATEGORY": sensitive.slug}
    msg = EmailMessage()
    msg["From"] = "Maya Chen <maya@users.example.org>"
    msg["To"] = "support@frontline.localhost"
    msg["Subject"] = "Someone threatens me"
    msg.set_content("Screenshot attached.")
    msg.add_attachment(IMAGE, maintype="image", subtype="png", filename="threat.png")
    result = services.email_ingest(raw=msg.as_bytes())
    attachment = Attachment.objects.get(ticket=result.ticket, name="threat.png")
    assert attachment.safe_preview


def test_plain_tickets_get_no_derivative_and_need_no_reveal(client, category, team, associate):
    plain = plain_ticket(category, team)
    attachment = services.attachment_add(ticket=plain, message=None, name="a.png", data=IMAGE)
    assert not attachment.safe_preview
    client.force_login(associate.user)
    assert client.get(reverse("tickets:attachment", args=[attachment.pk])).status_code == 200
    response = client.post(reverse("tickets:attachment_reveal", args=[attachment.pk]))
    assert response.status_code == 400
    assert not ExposureReveal.objects.exists()


def test_help_form_upload_moved_into_a_sensitive_category_gets_its_derivative_then(
    client, category, sensitive, team, lead
):
    team.categories = [category.slug]
    team.save()
    response = client.post(
        reverse("help:form"),
        {
            "subject": "Harassment", "description": "Screenshot attached.",
            "email": "sam@users.example.org", "name": "Sam", "category": category.slug,
            "nonce": HelpForm.new_nonce(), "files": SimpleUploadedFile("s.png", IMAGE),
        },
    )  # fmt: skip
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert not Attachment.objects.get(ticket=ticket).safe_preview
    services.ticket_update(ticket=ticket, by=lead.user, category=sensitive)
    attachment = Attachment.objects.get(ticket=ticket)
    assert attachment.safe_preview
    client.force_login(lead.user)
    assert client.get(reverse("tickets:attachment", args=[attachment.pk])).status_code == 403


def test_merging_into_a_sensitive_ticket_makes_the_derivatives(category, team, ticket, lead):
    plain = plain_ticket(category, team)
    moved = services.attachment_add(ticket=plain, message=None, name="m.png", data=IMAGE)
    services.ticket_merge(source=plain, target=ticket, by=lead.user)
    moved.refresh_from_db()
    assert moved.ticket_id == ticket.pk
    assert moved.safe_preview


def test_backfill_command_makes_missing_derivatives_once(image, capsys):
    image.safe_preview.delete(save=True)
    call_command("attachments_make_safe")
    image.refresh_from_db()
    assert image.safe_preview
    assert "1 derivatives made" in capsys.readouterr().out
    call_command("attachments_make_safe")
    assert "0 derivatives made" in capsys.readouterr().out


# --- the gate ------------------------------------------------------------------------------


def test_before_a_reveal_only_the_derivative_leaves_the_server(client, ticket, image, associate):
    client.force_login(associate.user)
    clear = originals(image)
    for name in ("attachment", "attachment_preview"):
        response = client.get(reverse(f"tickets:{name}", args=[image.pk]))
        assert response.status_code == 403
        assert sha(body(response)) not in clear
    safe = client.get(reverse("tickets:attachment_safe", args=[image.pk]))
    assert safe.status_code == 200
    assert safe["Content-Type"] == "image/png"
    assert sha(safe.content) not in clear
    page = client.get(reverse("tickets:detail", args=[ticket.pk]), {"revealed": image.pk})
    html = page.content.decode()
    assert reverse("tickets:attachment_safe", args=[image.pk]) in html
    assert f'src="{reverse("tickets:attachment_preview", args=[image.pk])}"' not in html
    assert "hidden data-reveal-link" in html  # the download link is not offered yet
    assert not ExposureReveal.objects.exists()


def test_reveal_is_a_post_recorded_once_in_history_audit_and_exposure(
    client, ticket, image, associate
):
    client.force_login(associate.user)
    reveal = reverse("tickets:attachment_reveal", args=[image.pk])
    assert client.get(reveal).status_code == 405
    first = client.post(reveal)
    assert first.status_code == 302
    assert first["Location"].endswith(f"/tickets/{ticket.pk}/#attachment-{image.pk}")
    assert client.post(reveal, HTTP_HX_REQUEST="true").status_code == 204
    row = ExposureReveal.objects.get()
    assert (row.user, row.ticket_id, row.attachment_id) == (associate.user, ticket.pk, image.pk)
    assert row.sensitivity == Sensitivity.SENSITIVE
    assert TicketEvent.objects.filter(ticket=ticket, kind="media_revealed").count() == 1
    audit = AuditEntry.objects.get(action=AuditEntry.Action.MEDIA_REVEAL)
    assert audit.actor == associate.user
    assert audit.detail["attachment"] == image.pk
    download = client.get(reverse("tickets:attachment", args=[image.pk]))
    assert download.status_code == 200
    assert sha(body(download)) == image.sha256
    preview = client.get(reverse("tickets:attachment_preview", args=[image.pk]))
    assert preview.status_code == 200
    html = client.get(reverse("tickets:detail", args=[ticket.pk])).content.decode()
    assert f'src="{reverse("tickets:attachment_preview", args=[image.pk])}"' in html


def test_a_reveal_lasts_for_its_viewer_only(client, ticket, image, associate, team):
    services.attachment_reveal(attachment=image, by=associate.user)
    colleague = AgentFactory(team=team, clearance=Sensitivity.SENSITIVE)
    client.force_login(colleague.user)
    assert client.get(reverse("tickets:attachment", args=[image.pk])).status_code == 403


def test_non_image_files_download_only_after_the_reveal(client, ticket, associate):
    pdf = services.attachment_add(ticket=ticket, message=None, name="r.pdf", data=b"%PDF-1.4 x")
    assert not pdf.safe_preview
    client.force_login(associate.user)
    url = reverse("tickets:attachment", args=[pdf.pk])
    assert client.get(url).status_code == 403
    assert client.get(reverse("tickets:attachment_safe", args=[pdf.pk])).status_code == 404
    client.post(reverse("tickets:attachment_reveal", args=[pdf.pk]))
    assert body(client.get(url)) == b"%PDF-1.4 x"


def test_outsiders_get_404_and_nothing_is_recorded(client, image):
    client.force_login(AgentFactory(team=TeamFactory(), clearance=Sensitivity.SENSITIVE).user)
    for name in ("attachment", "attachment_safe", "attachment_preview"):
        assert client.get(reverse(f"tickets:{name}", args=[image.pk])).status_code == 404
    assert client.post(reverse("tickets:attachment_reveal", args=[image.pk])).status_code == 404
    assert not ExposureReveal.objects.exists()


def test_restricted_reveal_records_its_sensitivity(client, requester, restricted, team, lead):
    ticket = services.ticket_create(
        subject="Report", body="x", requester=requester, category=restricted, team=team
    )
    image = services.attachment_add(ticket=ticket, message=None, name="e.png", data=IMAGE)
    assert image.safe_preview
    client.force_login(lead.user)
    client.post(reverse("tickets:attachment_reveal", args=[image.pk]))
    assert ExposureReveal.objects.get().sensitivity == Sensitivity.RESTRICTED


# --- the API -------------------------------------------------------------------------------


def test_api_lists_the_safe_view_and_gates_the_original_until_revealed(ticket, image, associate):
    api = APIClient()
    api.force_authenticate(associate.user)
    messages = api.get(f"/api/v1/tickets/{ticket.pk}/messages/").json()
    listed = messages[0]["attachments"][0]
    assert listed["safe_view"] is True
    assert api.get(listed["url"]).status_code == 403
    safe = api.get(listed["safe_preview_url"])
    assert safe.status_code == 200
    assert sha(safe.content) not in originals(image)
    assert api.get(listed["reveal_url"]).status_code == 405
    assert api.post(listed["reveal_url"]).status_code == 200
    assert api.post(listed["reveal_url"]).status_code == 200  # again: still one reveal
    assert ExposureReveal.objects.count() == 1
    assert sha(body(api.get(listed["url"]))) == image.sha256


def test_the_demo_has_a_sensitive_ticket_with_a_blurred_image(client):
    from teams.demo import seed_people
    from tickets.demo import seed_tickets

    seed_people()
    seed_tickets(count=80, days=5, seed=7)
    shot = Attachment.objects.get(name="threat-screenshot.png")
    assert shot.ticket.category.sensitivity == Sensitivity.SENSITIVE
    assert shot.safe_preview
    lead = shot.ticket.team.lead
    client.force_login(lead)
    html = client.get(reverse("tickets:detail", args=[shot.ticket_id])).content.decode()
    assert reverse("tickets:attachment_safe", args=[shot.pk]) in html
