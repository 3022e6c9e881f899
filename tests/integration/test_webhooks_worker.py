"""Webhooks through a real Celery worker (Redis broker, PostgreSQL): the outbox hands the
delivery to the worker, a 500 is retried after the backoff's countdown, the receiver verifies
the signature, and a duplicate task message sends nothing more."""

from __future__ import annotations

import json
import re

import pytest

from tests.factories import CategoryFactory, RequesterFactory, TeamFactory
from tests.integration.test_celery_worker import _wait, broker, worker  # noqa: F401 - fixtures
from tests.tickets.test_webhooks import Receiver, verify
from tickets.models import WebhookDelivery
from tickets.services import ticket_create
from tickets.services.webhooks import webhook_endpoint_create

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]
DONE = re.compile(rb"tickets\.tasks\.webhook_deliver\[[^\]]+\] succeeded")


@pytest.fixture
def fast_backoff(monkeypatch, settings):
    """The worker reads its settings from the environment: retry after ~1 s, not 30; the
    receiver on 127.0.0.1 allowed (here and in the worker)."""
    monkeypatch.setenv("WEBHOOK_BACKOFF_BASE_SECONDS", "1")
    monkeypatch.setenv("WEBHOOK_ALLOW_PRIVATE_ADDRESSES", "1")
    settings.FRONTLINE = {**settings.FRONTLINE, "WEBHOOK_ALLOW_PRIVATE_ADDRESSES": True}


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


def test_worker_delivers_retries_and_stays_idempotent(fast_backoff, receiver, worker):  # noqa: F811
    from tickets.tasks import webhook_deliver

    receiver.statuses = [500, 200]
    endpoint, secret = webhook_endpoint_create(by=None, url=receiver.url, events=["ticket.created"])
    ticket = ticket_create(
        subject="Locked out",
        body="Help",
        requester=RequesterFactory(),
        category=CategoryFactory(),
        team=TeamFactory(),
    )
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)

    def succeeded():
        delivery.refresh_from_db()
        return delivery.status == WebhookDelivery.Status.SUCCEEDED

    _wait(succeeded, 60, "the delivery to succeed")
    assert [r["headers"]["X-Frontline-Event-Id"] for r in receiver.requests] == [
        str(delivery.event_id)
    ] * 2
    event = verify(secret, receiver.requests[-1]["headers"], receiver.requests[-1]["body"])
    assert event["data"]["ticket"]["id"] == ticket.pk
    codes = list(delivery.log.order_by("number").values_list("status_code", flat=True))
    assert codes == [500, 200]
    assert json.loads(receiver.requests[0]["body"]) == event

    webhook_deliver.delay(delivery.pk)  # a duplicate message after success
    _wait(lambda: len(DONE.findall(_log(worker))) == 3, 30, "the duplicate to run")
    assert len(receiver.requests) == 2
    assert delivery.log.count() == 2


def _log(worker) -> bytes:  # noqa: F811
    _proc, mail_dir = worker
    return (mail_dir.parent / "worker.log").read_bytes()
