"""Redis down, desk up: with the cache's Redis unreachable (django-redis, IGNORE_EXCEPTIONS as
production sets it) pages and the API answer and tickets are accepted; the public doors' rate
limits fail closed with a 503 that says why; /healthz names the cache as down."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from core.cache import CacheUnavailable, cache_reachable, cache_version, rate_count
from tests.tickets.test_public_abuse import form
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def redis_down(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
            "OPTIONS": {
                "IGNORE_EXCEPTIONS": True,
                "SOCKET_CONNECT_TIMEOUT": 0.2,
                "SOCKET_TIMEOUT": 0.2,
            },
        }
    }
    assert not cache_reachable()


def test_cache_helpers_bypass_rather_than_fail(redis_down):
    with pytest.raises(CacheUnavailable):
        rate_count("test:rate", 60)
    # No write can move a version while it is down: each read is a version never seen.
    assert cache_version("test:v") != cache_version("test:v")


def test_staff_create_and_read_tickets_through_the_api(redis_down, agent, category, team):
    team.categories = [category.slug]
    team.save()
    api = APIClient()
    api.force_login(agent.user)
    created = api.post(
        "/api/v1/tickets/",
        {"subject": "Refund", "body": "Twice", "requester_email": "a@b.org",
         "category": category.slug},
        format="json",
    )  # fmt: skip
    assert created.status_code == 201, created.content
    assert Ticket.objects.filter(pk=created.json()["id"]).exists()
    assert api.get("/api/v1/tickets/").status_code == 200


def test_signed_in_pages_answer(redis_down, client, agent):
    client.force_login(agent.user)
    assert client.get(reverse("tickets:queue")).status_code == 200


def test_anonymous_api_and_bad_tokens_fail_closed_with_a_clear_503(redis_down):
    anonymous = APIClient().get("/api/schema/")  # the one API door open without credentials
    guessed = APIClient().get("/api/v1/tickets/", HTTP_AUTHORIZATION="Token flt_guess")
    for response in (anonymous, guessed):
        assert response.status_code == 503
        assert b"Signed-in users and API tokens still" in response.content
        assert response["Retry-After"] == "60"


def test_help_form_fails_closed_with_a_clear_503_and_files_nothing(redis_down, client, category):
    response = client.post(reverse("help:form"), form(category))
    assert response.status_code == 503
    assert "try again shortly" in response.content.decode()
    assert response["Retry-After"] == "60"
    assert not Ticket.objects.exists()


def test_healthz_names_the_cache_as_down_but_keeps_serving(redis_down, client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["cache"]["ok"] is False
    assert "no answer" in body["cache"]["detail"]
