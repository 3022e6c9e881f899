"""Redis down, desk up, against a real redis-server on a private port serving as both the cache
(django-redis with the production OPTIONS) and the Celery broker.

Tickets are posted through the API before, during and after the outage: every one is accepted
(201), the only refusal is the documented 503 of a public door (the help form), /healthz says
"degraded" and names cache and broker while Redis is down, and once it is back the outbox relay
hands every pending message to the broker (the realtime queue). PostgreSQL only (the broker
fixture of test_celery_worker.py).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from redis import Redis as RedisClient
from rest_framework.test import APIClient

from tests.factories import AgentFactory, CategoryFactory, TeamFactory
from tests.integration.test_celery_worker import broker  # noqa: F401 - a fixture
from tests.tickets.test_public_abuse import form
from tickets.models import OutboxMessage, Ticket, WebhookEndpoint
from tickets.services import outbox_relay_pending

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def desk_on_redis(broker, settings):  # noqa: F811 - the imported fixture
    redis, url = broker
    settings.CELERY_BROKER_URL = url
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {}
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{redis.port}/1",
            "OPTIONS": {"IGNORE_EXCEPTIONS": True, "SOCKET_CONNECT_TIMEOUT": 0.5, "SOCKET_TIMEOUT": 0.5},
        }
    }  # fmt: skip
    category = CategoryFactory(slug="billing")
    team = TeamFactory(categories=[category.slug])
    agent = AgentFactory(team=team)
    # An integration listening: every new ticket leaves an outbox message for the broker.
    WebhookEndpoint.objects.create(
        url="https://hooks.example.com/in", secret="s", events=["ticket.created"]
    )
    api = APIClient()
    api.force_login(agent.user)
    return redis, api, category


def _post(api, category, n: int):
    return api.post(
        "/api/v1/tickets/",
        {"subject": f"Outage {n}", "body": "Still here?", "requester_email": f"r{n}@example.org",
         "category": category.slug},
        format="json",
    ).status_code  # fmt: skip


def _health(client):
    response = client.get("/healthz")
    body = response.json()
    return response.status_code, body["status"], body["cache"]["ok"], body["broker"]["ok"]


def test_tickets_keep_arriving_while_redis_is_down_and_the_outbox_catches_up(desk_on_redis, client):
    redis, api, category = desk_on_redis
    assert _health(client) == (200, "ok", True, True)
    statuses = [_post(api, category, n) for n in range(5)]

    redis.stop()
    statuses += [_post(api, category, n) for n in range(5, 15)]
    assert api.get("/api/v1/tickets/").status_code == 200
    assert _health(client) == (200, "degraded", False, False)
    public = client.post(reverse("help:form"), form(category, email="p@example.org"))
    assert public.status_code == 503  # the documented refusal: the limit cannot count
    waiting = OutboxMessage.objects.filter(sent_at__isnull=True, done_at__isnull=True).count()
    assert waiting == 10  # what the broker could not take waits in the database

    redis.start()
    statuses += [_post(api, category, n) for n in range(15, 20)]
    assert statuses == [201] * 20
    assert Ticket.objects.filter(subject__startswith="Outage").count() == 20
    assert _health(client) == (200, "ok", True, True)

    relayed = outbox_relay_pending(now=timezone.now() + timedelta(minutes=3))
    assert relayed >= 10
    assert not OutboxMessage.objects.filter(sent_at__isnull=True).exists()
    # The relayed webhook dispatches went to the realtime queue (no worker runs here).
    queued = RedisClient(port=redis.port, db=0).llen("realtime")
    assert queued >= 10
