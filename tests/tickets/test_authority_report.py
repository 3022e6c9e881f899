"""Child-safety reports to the receiving authority: only cleared leads, managers and admins
reach them; assembling one hashes each file (SHA-256 and dHash) and puts the evidence under
legal hold; every view and download is audited; the filing's reference is recorded."""

import hashlib
import io
import json

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from PIL import Image

from teams.models import AuditEntry, Role, Sensitivity
from tests.factories import AgentFactory, AttachmentFactory, TicketFactory
from tickets.mail.hashes import dhash_hex, hamming
from tickets.models import AuthorityReport, LegalHold, TicketEvent


def gradient(rising: bool, fmt="PNG") -> bytes:
    """A horizontal gradient: every pixel brighter (rising) or darker than its left one."""
    image = Image.new("L", (90, 80))
    for x in range(90):
        for y in range(80):
            image.putpixel((x, y), x * 2 if rising else 255 - x * 2)
    out = io.BytesIO()
    image.convert("RGB").save(out, format=fmt, quality=70) if fmt == "JPEG" else image.save(
        out, format=fmt
    )
    return out.getvalue()


RISING, FALLING = gradient(True), gradient(False)


@pytest.fixture
def evidence(settings, tmp_path, team, restricted):
    settings.MEDIA_ROOT = tmp_path
    ticket = TicketFactory(team=team, category=restricted)
    for name, data in (("a.png", RISING), ("b.png", FALLING)):
        AttachmentFactory(
            ticket=ticket, name=name, content_type="image/png", size=len(data),
            sha256=hashlib.sha256(data).hexdigest(), file=ContentFile(data, name=name),
        )  # fmt: skip
    AttachmentFactory(ticket=ticket, sha256=hashlib.sha256(b"hello").hexdigest())  # note.txt
    return ticket


def url(name, ticket):
    return reverse(f"tickets:{name}", args=[ticket.pk])


def test_perceptual_hash_is_the_difference_hash_and_survives_re_encoding():
    assert dhash_hex(RISING) == "f" * 16  # every pixel brighter than its left neighbour
    assert dhash_hex(FALLING) == "0" * 16
    assert hamming(dhash_hex(gradient(True, "JPEG")), dhash_hex(RISING)) <= 2
    assert dhash_hex(b"not an image") == ""


@pytest.mark.parametrize("who", ["associate", "uncleared_lead"])
def test_associates_and_uncleared_leads_are_refused(who, client, evidence, team, agent):
    user = (
        agent.user
        if who == "associate"
        else AgentFactory(team=team, role=Role.LEAD, clearance=Sensitivity.SENSITIVE).user
    )
    client.force_login(user)
    for name in ("authority_report", "authority_report_export", "authority_report_print"):
        assert client.get(url(name, evidence)).status_code == 403
    assert client.post(url("authority_report", evidence), {"action": "assemble"}).status_code == 403
    assert not AuthorityReport.objects.exists()
    assert not LegalHold.objects.exists()


def test_only_child_safety_tickets_have_a_report(client, lead, team, sensitive):
    ticket = TicketFactory(team=team, category=sensitive)
    client.force_login(lead.user)
    assert client.get(url("authority_report", ticket)).status_code == 404
    page = client.get(url("detail", ticket)).content.decode()
    assert "Child-safety report" not in page


def test_assembling_hashes_each_file_and_places_a_legal_hold(client, lead, evidence):
    client.force_login(lead.user)
    assert "Child-safety report" in client.get(url("detail", evidence)).content.decode()
    response = client.post(url("authority_report", evidence), {"action": "assemble"})
    assert response.status_code == 302
    report = AuthorityReport.objects.get(ticket=evidence)
    by_name = {c["name"]: c for c in report.content}
    assert by_name["a.png"]["sha256"] == hashlib.sha256(RISING).hexdigest()
    assert by_name["b.png"]["sha256"] == hashlib.sha256(FALLING).hexdigest()
    assert (by_name["a.png"]["dhash"], by_name["b.png"]["dhash"]) == ("f" * 16, "0" * 16)
    assert by_name["note.txt"]["sha256"] == hashlib.sha256(b"hello").hexdigest()
    assert by_name["note.txt"]["dhash"] == ""
    assert all(c["sha256_matches_upload"] for c in report.content)
    hold = LegalHold.objects.in_force().get(ticket=evidence)
    assert (report.legal_hold, hold.owner) == (hold, lead.user)
    assert TicketEvent.objects.filter(ticket=evidence, kind="authority_report").exists()
    # Assembling again changes nothing and places no second hold.
    client.post(url("authority_report", evidence), {"action": "assemble"})
    assert AuthorityReport.objects.count() == 1
    assert LegalHold.objects.count() == 1


def test_an_existing_hold_is_reused(client, lead, evidence):
    from tickets.services import legal_hold_place

    earlier = legal_hold_place(by=lead.user, reason="Police request", ticket=evidence)
    client.force_login(lead.user)
    client.post(url("authority_report", evidence), {"action": "assemble"})
    assert AuthorityReport.objects.get().legal_hold == earlier
    assert LegalHold.objects.count() == 1


def test_every_view_and_download_is_audited(client, lead, evidence):
    client.force_login(lead.user)
    client.post(url("authority_report", evidence), {"action": "assemble"})
    views = AuditEntry.objects.filter(action=AuditEntry.Action.AUTHORITY_REPORT_VIEW)
    exports = AuditEntry.objects.filter(action=AuditEntry.Action.AUTHORITY_REPORT_EXPORT)
    assert (views.count(), exports.count()) == (0, 0)
    assert client.get(url("authority_report", evidence)).status_code == 200
    assert client.get(url("authority_report", evidence)).status_code == 200
    assert views.count() == 2
    assert views.first().actor == lead.user
    assert views.first().detail["ticket"] == evidence.pk
    client.get(url("authority_report_export", evidence))
    client.get(url("authority_report_print", evidence))
    assert sorted(e.detail["format"] for e in exports) == ["html", "json"]


def test_fields_filing_and_the_exported_document(client, lead, evidence):
    client.force_login(lead.user)
    client.post(url("authority_report", evidence), {"action": "assemble"})
    saved = client.post(
        url("authority_report", evidence),
        {"action": "save", "incident_at": "2026-11-30 21:15", "account_username": "badactor99",
         "account_id": "u-829211", "account_email": "", "account_profile_url":
         "https://app.example.com/u/badactor99", "urls": "https://app.example.com/p/1\n"
         "https://app.example.com/p/2", "uploader_ip": "203.0.113.7",
         "uploader_details": "Android 14, uploaded 21:14", "reporter_notes": "Reported by a parent."},
    )  # fmt: skip
    assert saved.status_code == 302, saved.content.decode()
    bad = client.post(url("authority_report", evidence), {"action": "save", "urls": "not a url"})
    assert bad.status_code == 422
    assert "Not a URL" in bad.content.decode()
    assert client.post(url("authority_report", evidence), {"action": "file"}).status_code == 422
    filed = client.post(
        url("authority_report", evidence), {"action": "file", "reference": "CT-12345678"}
    )
    assert filed.status_code == 302
    assert AuditEntry.objects.filter(action=AuditEntry.Action.AUTHORITY_REPORT_FILE).exists()
    response = client.get(url("authority_report_export", evidence))
    assert response["Content-Disposition"].startswith("attachment;")
    document = json.loads(response.content)
    assert document["ticket"] == evidence.reference
    assert document["reported_account"]["username"] == "badactor99"
    assert document["reported_account"]["id"] == "u-829211"
    assert document["incident"]["urls"] == [
        "https://app.example.com/p/1",
        "https://app.example.com/p/2",
    ]
    assert document["uploader"] == {
        "ip_address": "203.0.113.7",
        "details": "Android 14, uploaded 21:14",
    }
    assert document["reporter_notes"] == "Reported by a parent."
    assert {c["name"]: c["dhash"] for c in document["content"]}["a.png"] == "f" * 16
    assert document["submission"]["reference"] == "CT-12345678"
    assert document["legal_hold"]["in_force"] is True
    printable = client.get(url("authority_report_print", evidence)).content.decode()
    assert "CT-12345678" in printable
    assert hashlib.sha256(RISING).hexdigest() in printable
    # A filed report is final.
    again = client.post(
        url("authority_report", evidence), {"action": "save", "reporter_notes": "x"}
    )
    assert again.status_code == 422
    assert AuthorityReport.objects.get().reporter_notes == "Reported by a parent."


def test_managers_and_admins_cleared_for_restricted_work_see_it(client, evidence, team):
    admin = AgentFactory(role=Role.ADMIN, team=None).user
    client.force_login(admin)
    assert client.post(url("authority_report", evidence), {"action": "assemble"}).status_code == 302
    manager = AgentFactory(team=team, role=Role.MANAGER, clearance=Sensitivity.RESTRICTED)
    team.manager = manager.user
    team.save()
    client.force_login(manager.user)
    assert client.get(url("authority_report", evidence)).status_code == 200
