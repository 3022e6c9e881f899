"""API rate limits: per user (whichever token or session), per anonymous client address
(failed token checks included); 429 with Retry-After; rates come from settings."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from rest_framework.test import APIClient

from teams.services import api_token_create
from tests.factories import AgentFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _low_rates(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"user": "3/minute", "anon": "2/minute"},
    }


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def token_client(user, addr="203.0.113.7"):
    _, secret = api_token_create(user=user, name="Script", scope="read", days=30)
    client = APIClient(REMOTE_ADDR=addr)
    client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    return client


def test_user_over_the_rate_gets_429_with_retry_after_until_the_window_passes(clock):
    user = AgentFactory().user
    client = token_client(user)
    assert [client.get("/api/v1/me/").status_code for _ in range(3)] == [200, 200, 200]
    refused = client.get("/api/v1/me/")
    assert refused.status_code == 429
    assert refused["Retry-After"] == "60"
    assert "throttled" in refused.json()["detail"].lower()
    clock.shift(timedelta(seconds=61))
    assert client.get("/api/v1/me/").status_code == 200


def test_the_budget_is_per_user_shared_by_their_tokens_and_session(clock):
    user, other = AgentFactory().user, AgentFactory().user
    first, second = token_client(user), token_client(user)
    session = APIClient()
    session.force_login(user)
    assert first.get("/api/v1/me/").status_code == 200
    assert second.get("/api/v1/me/").status_code == 200
    assert session.get("/api/v1/me/").status_code == 200
    assert first.get("/api/v1/me/").status_code == 429
    assert session.get("/api/v1/me/").status_code == 429
    # Another person from the same address is not affected.
    assert token_client(other).get("/api/v1/me/").status_code == 200


def test_anonymous_callers_are_limited_per_address(clock):
    here, there = APIClient(REMOTE_ADDR="198.51.100.1"), APIClient(REMOTE_ADDR="198.51.100.2")
    assert here.get("/api/schema/").status_code == 200
    assert here.get("/api/schema/").status_code == 200
    refused = here.get("/api/schema/")
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert there.get("/api/schema/").status_code == 200


def test_failed_token_checks_spend_the_address_budget(clock):
    guesser = APIClient(REMOTE_ADDR="198.51.100.9")
    guesser.credentials(HTTP_AUTHORIZATION="Token flt_guess")
    assert guesser.get("/api/v1/me/").status_code == 401
    assert guesser.get("/api/v1/me/").status_code == 401
    refused = guesser.get("/api/v1/me/")
    assert refused.status_code == 429
    assert refused["Retry-After"] == "60"
    # A real token from elsewhere still works.
    assert token_client(AgentFactory().user, addr="192.0.2.5").get("/api/v1/me/").status_code == 200


def test_forwarded_for_is_ignored_unless_a_proxy_is_configured(clock, settings):
    spoofing = [APIClient(REMOTE_ADDR="198.51.100.1", HTTP_X_FORWARDED_FOR=f"10.0.0.{i}")
                for i in range(3)]  # fmt: skip
    codes = [c.get("/api/schema/").status_code for c in spoofing]
    assert codes == [200, 200, 429]
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    proxied = [APIClient(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=f"10.0.1.{i}")
               for i in range(3)]  # fmt: skip
    assert [c.get("/api/schema/").status_code for c in proxied] == [200, 200, 200]
