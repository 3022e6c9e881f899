"""Personal API tokens: stored hashed, shown once, scoped, expiring, revocable; the
/account/tokens/ page; the token header in the schema."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse
from rest_framework.test import APIClient

from teams.models import ApiToken, Role
from teams.services import api_token_create, api_token_revoke
from tests.factories import AgentFactory, CategoryFactory, TicketFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def api(secret=None, keyword="Token"):
    client = APIClient()
    if secret:
        client.credentials(HTTP_AUTHORIZATION=f"{keyword} {secret}")
    return client


def test_only_a_hash_of_the_secret_is_stored():
    agent = AgentFactory()
    token, secret = api_token_create(user=agent.user, name="Script", scope="read", days=30)
    token.refresh_from_db()
    stored = [str(v) for v in ApiToken.objects.filter(pk=token.pk).values_list().get()]
    assert secret.startswith("flt_")
    assert len(secret) > 40
    assert not any(secret in v for v in stored)
    assert token.prefix == secret[:10]


@pytest.mark.parametrize("keyword", ["Token", "Bearer", "bearer"])
def test_token_authenticates_with_either_header_keyword(keyword):
    agent = AgentFactory()
    _, secret = api_token_create(user=agent.user, name="Script", scope="read", days=30)
    response = api(secret, keyword).get("/api/v1/me/")
    assert response.status_code == 200
    assert response.json()["username"] == agent.user.username


def test_last_used_time_is_recorded():
    agent = AgentFactory()
    with time_machine.travel(NOW, tick=False):
        token, secret = api_token_create(user=agent.user, name="Script", scope="read", days=30)
    assert token.last_used_at is None
    with time_machine.travel(NOW + timedelta(hours=2), tick=False):
        assert api(secret).get("/api/v1/me/").status_code == 200
    token.refresh_from_db()
    assert token.last_used_at == NOW + timedelta(hours=2)


def test_read_token_is_refused_writes_with_a_clear_message_in_one_place():
    agent = AgentFactory()
    _, secret = api_token_create(user=agent.user, name="Reader", scope="read", days=30)
    client = api(secret)
    assert client.get("/api/v1/tickets/").status_code == 200
    response = client.post("/api/v1/me/presence/", {"presence": "available"}, format="json")
    assert response.status_code == 403
    assert "read-only" in response.json()["detail"]
    category = CategoryFactory()
    response = client.post(
        "/api/v1/tickets/",
        {
            "subject": "x",
            "body": "y",
            "requester_email": "a@example.org",
            "category": category.slug,
        },
        format="json",
    )
    assert response.status_code == 403
    assert "read-only" in response.json()["detail"]
    agent.refresh_from_db()
    assert agent.presence == "offline"


def test_write_token_may_change_what_the_role_allows():
    agent = AgentFactory()
    ticket = TicketFactory(team=agent.team)
    _, secret = api_token_create(user=agent.user, name="Writer", scope="write", days=30)
    response = api(secret).patch(
        f"/api/v1/tickets/{ticket.pk}/", {"version": ticket.version, "priority": "urgent"},
        format="json",
    )  # fmt: skip
    assert response.status_code == 200, response.content
    assert response.json()["priority"] == "urgent"


def test_write_token_does_not_widen_the_role():
    qa = AgentFactory(role=Role.QA_ANALYST)
    ticket = TicketFactory(team=qa.team)
    _, secret = api_token_create(user=qa.user, name="Writer", scope="write", days=30)
    response = api(secret).patch(
        f"/api/v1/tickets/{ticket.pk}/", {"version": ticket.version, "priority": "urgent"},
        format="json",
    )  # fmt: skip
    assert response.status_code == 403


def test_expired_token_gets_401():
    agent = AgentFactory()
    with time_machine.travel(NOW, tick=False):
        _, secret = api_token_create(user=agent.user, name="Short", scope="read", days=7)
        assert api(secret).get("/api/v1/me/").status_code == 200
    with time_machine.travel(NOW + timedelta(days=7, seconds=1), tick=False):
        response = api(secret).get("/api/v1/me/")
    assert response.status_code == 401
    assert "expired" in response.json()["detail"]
    assert response["WWW-Authenticate"].startswith("Token")


def test_revoked_token_gets_401_at_once():
    agent = AgentFactory()
    token, secret = api_token_create(user=agent.user, name="Gone", scope="write", days=30)
    api_token_revoke(token=token, by=agent.user)
    response = api(secret).get("/api/v1/me/")
    assert response.status_code == 401
    assert "revoked" in response.json()["detail"]


@pytest.mark.parametrize(
    "header",
    ["Token flt_not-a-real-token", "Token", "Token a b", "Bearer \u00e9t\u00e9"],
)
def test_unknown_or_malformed_tokens_get_401(header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header.encode().decode("latin-1"))
    response = client.get("/api/v1/me/")
    assert response.status_code == 401
    assert response.json()["detail"]


def test_token_of_a_disabled_account_gets_401():
    agent = AgentFactory()
    _, secret = api_token_create(user=agent.user, name="Script", scope="read", days=30)
    agent.user.is_active = False
    agent.user.save()
    assert api(secret).get("/api/v1/me/").status_code == 401


def test_anonymous_api_call_gets_401_with_the_header_to_use():
    response = APIClient().get("/api/v1/tickets/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Token")


def test_expiry_and_name_are_validated():
    from django.core.exceptions import ValidationError

    user = AgentFactory().user
    for kwargs in ({"days": 0}, {"days": 366}, {"name": "  "}, {"scope": "admin"}):
        with pytest.raises(ValidationError):
            api_token_create(**{"user": user, "name": "x", "scope": "read", "days": 30, **kwargs})


def test_only_the_owner_may_revoke():
    from django.core.exceptions import PermissionDenied

    token, _ = api_token_create(user=AgentFactory().user, name="Mine", scope="read", days=30)
    with pytest.raises(PermissionDenied):
        api_token_revoke(token=token, by=AgentFactory().user)


# --- the page --------------------------------------------------------------------------


def test_page_creates_a_token_shows_it_once_and_it_works(client):
    agent = AgentFactory()
    client.force_login(agent.user)
    url = reverse("api_tokens:list")
    response = client.post(url, {"name": "Nightly export", "scope": "write", "days": "90"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    html = response.content.decode()
    secret = re.search(r'id="new-token-key" type="text" readonly value="([^"]+)"', html).group(1)
    assert api(secret).get("/api/v1/me/").status_code == 200
    again = client.get(url).content.decode()
    assert "Nightly export" in again
    assert "Read and write" in again
    assert secret not in again, "the secret is shown only once"
    assert secret[:10] in again, "the prefix identifies it"
    token = ApiToken.objects.get(user=agent.user)
    assert token.expires_at - token.created_at == timedelta(days=90)


def test_page_shows_last_used_in_the_viewers_time_zone(client):
    agent = AgentFactory(time_zone="Asia/Tokyo")
    token, _ = api_token_create(user=agent.user, name="Script", scope="read", days=30)
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=NOW)
    client.force_login(agent.user)
    html = client.get(reverse("api_tokens:list")).content.decode()
    assert "2026-03-02 18:00" in html  # 09:00 UTC in Tokyo


def test_page_refuses_an_invalid_form_with_400(client):
    client.force_login(AgentFactory().user)
    response = client.post(reverse("api_tokens:list"), {"name": "", "scope": "root", "days": "9"})
    assert response.status_code == 400
    assert not ApiToken.objects.exists()


def test_page_lists_only_my_tokens_and_revokes_only_mine(client):
    me, other = AgentFactory(), AgentFactory()
    mine, secret = api_token_create(user=me.user, name="Mine", scope="read", days=30)
    theirs, their_secret = api_token_create(user=other.user, name="Theirs", scope="read", days=30)
    client.force_login(me.user)
    html = client.get(reverse("api_tokens:list")).content.decode()
    assert "Mine" in html
    assert "Theirs" not in html
    assert client.post(reverse("api_tokens:revoke", args=[theirs.pk])).status_code == 404
    assert api(their_secret).get("/api/v1/me/").status_code == 200
    response = client.post(reverse("api_tokens:revoke", args=[mine.pk]), follow=True)
    assert "revoked" in response.content.decode()
    assert api(secret).get("/api/v1/me/").status_code == 401


def test_page_escapes_the_token_name(client):
    agent = AgentFactory()
    api_token_create(user=agent.user, name="<script>alert(1)</script>", scope="read", days=7)
    client.force_login(agent.user)
    html = client.get(reverse("api_tokens:list")).content.decode()
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_schema_documents_the_token_header(client):
    schema = client.get("/api/schema/", {"format": "json"}).json()
    token = schema["components"]["securitySchemes"]["tokenAuth"]
    assert token["in"] == "header"
    assert token["name"] == "Authorization"
    assert "Bearer" in token["description"]
