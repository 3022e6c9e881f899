"""A corpus of hostile input through every door: the API, the public help form, the agent
reply form and inbound email (service, webhook, `ingest_email`). Each answer is a clear 4xx
or a stored value that pages show escaped — never a 500, never a lost ticket.

Policy for NUL bytes (PostgreSQL text columns cannot hold them): people typing into a form
or an API client get a 400 saying so; an email cannot be sent back to be fixed, so its NULs
(and other control characters) are dropped and the ticket is filed."""

import io
import re
import sys

import pytest
from django.core.management import call_command
from django.urls import reverse
from rest_framework.test import APIClient

from tests.factories import TicketFactory
from tickets import services
from tickets.forms import HelpForm
from tickets.models import Message, Ticket

XSS = '<script>alert("xss")</script><img src=x onerror="alert(1)">'
SQL = "Robert'); DROP TABLE tickets_ticket;-- \" OR 1=1 --"
NUL = "before\x00after"
HUGE = "A" * 1_000_000
TEXTS = [XSS, SQL, "💥 Zalgo ẗ̸̡e̷x̵t ‮RTL override", "${jndi:ldap://x/a} {{7*7}} %s%n"]


@pytest.fixture
def api(agent):
    client = APIClient()
    client.force_authenticate(agent.user)
    return client


def escaped_everywhere(html: str) -> None:
    """No payload became markup: only escaped text (&lt;script&gt;…) may remain."""
    assert not re.search(r"<script>alert|<img[^>]*onerror", html)


def workspace_html(client, agent, ticket) -> str:
    client.force_login(agent.user)
    response = client.get(reverse("tickets:detail", args=[ticket.pk]))
    assert response.status_code == 200
    return response.content.decode()


# --- API ---------------------------------------------------------------------------------


@pytest.mark.parametrize("text", TEXTS)
def test_api_stores_hostile_text_and_pages_escape_it(api, client, agent, category, text):
    response = api.post(
        "/api/v1/tickets/",
        {"subject": text[:250], "body": text, "requester_email": "x@example.org",
         "requester_name": text[:200], "category": category.slug},
    )  # fmt: skip
    assert response.status_code == 201, response.content
    ticket = Ticket.objects.get(pk=response.json()["id"])
    assert ticket.subject == " ".join(text[:250].split())
    html = workspace_html(client, agent, ticket)
    escaped_everywhere(html)
    if text is XSS:
        assert "&lt;script&gt;alert(&quot;xss&quot;)&lt;/script&gt;" in html  # the subject
        assert "<script" not in ticket.messages.get().body_html  # the body is sanitized
    queue = client.get(reverse("tickets:queue")).content.decode()
    escaped_everywhere(queue)


@pytest.mark.parametrize(
    ("field", "value"),
    [("subject", NUL), ("body", NUL), ("requester_name", NUL), ("subject", HUGE)],
)
def test_api_refuses_nul_bytes_and_huge_subjects_with_400(api, category, field, value):
    data = {"subject": "ok", "body": "ok", "requester_email": "x@example.org",
            "category": category.slug, field: value}  # fmt: skip
    response = api.post("/api/v1/tickets/", data)
    assert response.status_code == 400
    assert field in response.json()
    assert not Ticket.objects.exists()


def test_api_refuses_nul_in_custom_fields_and_tags(api, agent):
    ticket = TicketFactory(team=agent.team)
    for body in (
        {"custom_fields": {"device": NUL}},
        {"custom_fields": {NUL: "x"}},
        {"custom_fields": {"nested": [{"a": NUL}]}},
        {"add_tags": [NUL]},
    ):
        response = api.patch(f"/api/v1/tickets/{ticket.pk}/", {"version": ticket.version, **body})
        assert response.status_code == 400, (body, response.content)
    ticket.refresh_from_db()
    assert ticket.custom_fields == {}


def test_api_reply_with_nul_is_400_and_huge_reply_is_stored(api, agent):
    ticket = TicketFactory(team=agent.team)
    url = f"/api/v1/tickets/{ticket.pk}/messages/"
    refused = api.post(url, {"body": NUL, "version": ticket.version})
    assert refused.status_code == 400
    big = api.post(url, {"body": XSS + "word " * 200_000, "version": ticket.version})
    assert big.status_code in (201, 400), big.content
    if big.status_code == 201:
        assert "<script" not in Message.objects.get(pk=big.json()["id"]).body_html


@pytest.mark.parametrize("q", [SQL, XSS, NUL, "%", "'", "\\", HUGE[:5000]])
def test_api_search_with_hostile_queries_never_fails(api, agent, q):
    TicketFactory(team=agent.team, subject="Login problem")
    response = api.get("/api/v1/tickets/", {"q": q})
    assert response.status_code in (200, 400)
    if q is NUL:
        assert response.status_code == 400
    assert Ticket.objects.count() == 1  # the table is still there


# --- the public help form ------------------------------------------------------------------


def help_form(category, **overrides):
    return {"email": "maya@users.example.org", "name": "Maya", "category": category.slug,
            "subject": "Can't log in", "description": "The code never arrives.",
            "nonce": HelpForm.new_nonce(), **overrides}  # fmt: skip


@pytest.mark.parametrize("text", TEXTS)
def test_help_form_stores_hostile_text_and_pages_escape_it(client, agent, category, text):
    response = client.post(
        reverse("help:form"), help_form(category, subject=text[:250], name=text[:200],
                                        description=text),
    )  # fmt: skip
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    ticket.team = agent.team
    ticket.save()
    thanks = client.get(response["Location"]).content.decode()
    escaped_everywhere(thanks)
    escaped_everywhere(workspace_html(client, agent, ticket))


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("subject", NUL, "Null characters are not allowed"),
        ("description", NUL, "Null characters are not allowed"),
        ("name", NUL, "Null characters are not allowed"),
        ("subject", HUGE, "at most 250 characters"),
        ("description", HUGE, "at most 20000 characters"),
    ],
)
def test_help_form_refuses_nul_and_huge_input_with_400_and_a_reason(
    client, category, field, value, message
):
    response = client.post(reverse("help:form"), help_form(category, **{field: value}))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Ticket.objects.exists()


# --- the agent reply form ------------------------------------------------------------------


def test_agent_reply_form_stores_xss_sanitized_and_refuses_nul(client, agent):
    ticket = TicketFactory(team=agent.team)
    client.force_login(agent.user)
    url = reverse("tickets:reply", args=[ticket.pk])
    refused = client.post(url, {"body": NUL, "version": ticket.version})
    assert refused.status_code == 422  # the workspace's answer to an invalid form
    assert "Null characters are not allowed" in refused.content.decode()
    sent = client.post(url, {"body": XSS + "\n\n" + SQL, "version": ticket.version})
    assert sent.status_code in (200, 302)
    message = ticket.messages.filter(author_user=agent.user).get()
    escaped_everywhere(message.body_html)
    assert "DROP TABLE" in message.body_text
    escaped_everywhere(workspace_html(client, agent, ticket))


# --- inbound email -------------------------------------------------------------------------


def raw_email(
    subject: bytes, body: bytes, charset: bytes = b"utf-8", sender=b"maya@users.example.org"
):
    return (
        b"From: Maya <" + sender + b">\r\nTo: support@frontline.localhost\r\n"
        b"Subject: " + subject + b"\r\nMessage-ID: <hostile-" + str(len(body)).encode()
        + b"@users.example.org>\r\nMIME-Version: 1.0\r\n"
        b"Content-Type: text/plain; charset=" + charset + b"\r\n"
        b"Content-Transfer-Encoding: 8bit\r\n\r\n" + body + b"\r\n"
    )  # fmt: skip


HOSTILE_EMAILS = {
    "nul in subject and body": raw_email(b"Help\x00me", b"line\x00one"),
    "invalid utf-8": raw_email(b"Caf\xe9 \xff\xfe", b"bad bytes \xc3\x28 \xff here"),
    "wrong charset label": raw_email(b"Hello", b"caf\xe9", charset=b"x-no-such-charset"),
    "xss html": raw_email(XSS.encode(), XSS.encode()),
    "huge subject": raw_email(b"S" * 1_000_000, b"body"),
    "control characters": raw_email(b"Bell\x07 \x1b[31mred", b"form\x0cfeed \x08back"),
}


@pytest.fixture
def routed(category, team):
    team.categories = [category.slug]
    team.save()


@pytest.mark.parametrize("name", list(HOSTILE_EMAILS))
def test_hostile_email_files_a_ticket_with_clean_text(routed, client, agent, team, name):
    result = services.email_ingest(raw=HOSTILE_EMAILS[name])
    assert result.outcome == "created", result.reason
    ticket = Ticket.objects.get()
    message = ticket.messages.get()
    for value in (ticket.subject, ticket.requester.name, message.body_text, message.body_html):
        assert "\x00" not in value
        assert "\x07" not in value
        assert "\x1b" not in value
    assert len(ticket.subject) <= 250
    ticket.team, ticket.assignee = agent.team, None
    ticket.save()
    escaped_everywhere(workspace_html(client, agent, ticket))


def test_hostile_email_through_the_webhook_and_the_command(routed, client, settings):
    settings.FRONTLINE = {**settings.FRONTLINE, "INBOUND_EMAIL_SECRET": "s3cret"}
    response = client.post(
        reverse("inbound_email"),
        HOSTILE_EMAILS["nul in subject and body"],
        content_type="message/rfc822",
        HTTP_X_FRONTLINE_SECRET="s3cret",
    )
    assert response.status_code == 202, response.content
    out = io.StringIO()
    raw = HOSTILE_EMAILS["invalid utf-8"]
    stdin = sys.stdin
    sys.stdin = io.TextIOWrapper(io.BytesIO(raw))
    try:
        call_command("ingest_email", "-", stdout=out)
    finally:
        sys.stdin = stdin
    assert out.getvalue().startswith("created"), out.getvalue()
    assert Ticket.objects.count() == 2


def test_garbage_that_is_not_an_email_is_a_400_not_a_500(client, settings):
    settings.FRONTLINE = {**settings.FRONTLINE, "INBOUND_EMAIL_SECRET": "s3cret"}
    for body in (b"", b"\x00\x01\x02", b"\xff" * 1000, b"Subject: only headers"):
        response = client.post(
            reverse("inbound_email"), body, content_type="message/rfc822",
            HTTP_X_FRONTLINE_SECRET="s3cret",
        )  # fmt: skip
        assert response.status_code in (202, 400, 415), (body, response.content)


@pytest.mark.parametrize(
    "value",
    ["0416-10-23T16:15:45+22:10", "0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00",
     "2026-13-01T00:00:00Z", "yesterday"],
)  # fmt: skip
def test_api_date_filters_with_extreme_offsets_are_400_or_answered_never_500(api, value):
    # Found by the schemathesis run on PostgreSQL: "+22:10" was a DataError (500).
    response = api.get("/api/v1/tickets/", {"created_after": value, "due_before": value})
    assert response.status_code in (200, 400), response.content
