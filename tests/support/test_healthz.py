"""/healthz: what a load balancer or an on-call engineer sees when services are up or down."""

from unittest import mock

import pytest
from django.conf import settings
from django.db import OperationalError, connection

pytestmark = pytest.mark.django_db


def expected_transport() -> str:
    url = settings.CELERY_BROKER_URL
    return "redis" if url.startswith(("redis://", "rediss://")) else url.split("://", 1)[0]


def test_healthz_is_200_when_database_and_broker_answer(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == {"ok": True, "detail": connection.vendor}
    assert body["broker"] == {"ok": True, "detail": expected_transport()}
    assert body["cache"]["ok"] is True
    assert "no-cache" in response["Cache-Control"]


def test_healthz_needs_no_login(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"


def test_healthz_is_degraded_and_names_the_broker_when_the_broker_is_unreachable(client, settings):
    """Redis down, desk up: the load balancer keeps the web process (200), the body says what."""
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {}

    response = client.get("/healthz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["database"]["ok"] is True
    assert body["broker"]["ok"] is False
    assert "Error" in body["broker"]["detail"]


def test_healthz_is_503_and_names_the_database_when_the_database_fails(client):
    with mock.patch.object(
        connection, "cursor", side_effect=OperationalError("could not connect to server")
    ):
        response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["database"] == {
        "ok": False,
        "detail": "OperationalError: could not connect to server",
    }
    assert body["broker"]["ok"] is True


def test_healthz_only_answers_get(client):
    assert client.post("/healthz").status_code == 405
