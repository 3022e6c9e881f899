import pytest
from django.core import mail
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.factories import png_bytes
from tickets.forms import HelpForm
from tickets.models import Attachment, Ticket

PNG = png_bytes()


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    yield
    cache.clear()


def form(category, **over):
    data = {
        "email": "sam@users.example.org",
        "name": "Sam Park",
        "category": category.slug,
        "subject": "Code never arrives",
        "description": "I asked **three** times.",
        "nonce": HelpForm.new_nonce(),
    }
    data.update(over)
    return data


def test_form_page_offers_only_public_categories(client, category, sensitive, restricted):
    page = client.get(reverse("help:form")).content.decode()
    assert category.name in page
    assert restricted.name not in page
    assert sensitive.name not in page
    assert 'for="id_email"' in page


def test_submit_creates_ticket_confirms_by_email(
    client, category, team, django_capture_on_commit_callbacks
):
    team.categories = [category.slug]
    team.save()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("help:form"), {**form(category), "files": [SimpleUploadedFile("s.png", PNG)]}
        )
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert ticket.channel == "web"
    assert ticket.team == team
    assert ticket.requester.email == "sam@users.example.org"
    assert "<strong>three</strong>" in ticket.messages.get().body_html
    assert Attachment.objects.get(ticket=ticket).content_type == "image/png"
    thanks = client.get(response["Location"]).content.decode()
    assert ticket.reference in thanks
    assert len(mail.outbox) == 1
    assert ticket.reference in mail.outbox[0].subject
    assert mail.outbox[0].to == ["sam@users.example.org"]


def test_restricted_category_is_refused(client, restricted):
    response = client.post(reverse("help:form"), form(restricted))
    assert response.status_code == 400
    assert Ticket.objects.count() == 0


def test_honeypot_looks_successful_but_creates_nothing(client, category):
    response = client.post(reverse("help:form"), form(category, website="http://spam"))
    assert response.status_code == 302
    assert Ticket.objects.count() == 0
    assert "received your request" in client.get(response["Location"]).content.decode()


def test_rate_limit_per_email_and_per_ip(client, category, settings):
    settings.FRONTLINE = {
        **settings.FRONTLINE,
        "HELP_FORM_RATE_PER_EMAIL": 2,
        "HELP_FORM_RATE_PER_IP": 3,
    }
    for _ in range(2):
        assert client.post(reverse("help:form"), form(category)).status_code == 302
    limited = client.post(reverse("help:form"), form(category))
    assert limited.status_code == 429
    assert "Too many requests" in limited.content.decode()
    assert (
        client.post(
            reverse("help:form"), form(category, email="other@users.example.org")
        ).status_code
        == 429
    )
    assert Ticket.objects.count() == 2


def test_bad_files_and_input_are_400(client, category):
    bad = client.post(
        reverse("help:form"),
        {**form(category), "files": [SimpleUploadedFile("x.exe", b"MZ\x00\x00")]},
    )
    assert bad.status_code == 400
    assert "not accepted" in bad.content.decode()
    assert (
        client.post(reverse("help:form"), form(category, email="not-an-email")).status_code == 400
    )
    assert Ticket.objects.count() == 0


def test_forged_thanks_link_is_404(client):
    assert client.get(reverse("help:thanks", args=["forged"])).status_code == 404
