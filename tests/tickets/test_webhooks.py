"""Outbound webhooks against a real HTTP receiver on 127.0.0.1: signature, retries with
growing delays, give-up, replay, idempotent tasks, and the admin pages."""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from unittest import mock

import pytest
import time_machine
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from teams.models import Role
from tests.factories import AgentFactory, TicketFactory
from tickets.models import Ticket, WebhookAttempt, WebhookDelivery
from tickets.services import ticket_change_status, ticket_create, ticket_update
from tickets.services.webhooks import (
    webhook_endpoint_create,
    webhook_endpoint_update,
    webhook_replay,
    webhooks_emit,
)
from tickets.tasks import webhook_deliver

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _receiver_on_loopback_allowed(settings):
    """The receiver listens on 127.0.0.1, which webhooks refuse unless this is on."""
    settings.FRONTLINE = {**settings.FRONTLINE, "WEBHOOK_ALLOW_PRIVATE_ADDRESSES": True}


class Receiver:
    """A tiny threaded HTTP server: answers each POST with the next scripted status."""

    def __init__(self):
        self.requests: list[dict] = []
        self.statuses: list[int] = []
        self.delay = 0.0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append({"headers": dict(self.headers), "body": body})
                if receiver.delay:
                    time.sleep(receiver.delay)
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                reply = b'{"ok": true}' if status < 300 else b"upstream exploded"
                self.send_response(status)
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


@pytest.fixture
def endpoint(receiver):
    endpoint, secret = webhook_endpoint_create(
        by=None, url=receiver.url, events=["ticket.created", "ticket.solved"], name="CRM"
    )
    endpoint.plain_secret = secret
    return endpoint


@pytest.fixture
def scheduled():
    """Retries are queued with apply_async(countdown=…): record them instead of running."""
    calls = []
    run_now = webhook_deliver.apply_async

    def apply_async(args=None, kwargs=None, countdown=None, **options):
        if countdown is None:  # .delay(): the first attempt runs (eagerly)
            return run_now(args, kwargs, **options)
        calls.append(countdown)
        return None

    with mock.patch.object(webhook_deliver, "apply_async", side_effect=apply_async):
        yield calls


def verify(secret: str, headers: dict, body: bytes, tolerance: int = 300) -> dict:
    """What a receiver does (the README's recipe): check the timestamp and the HMAC."""
    parts = dict(p.split("=", 1) for p in headers["X-Frontline-Signature"].split(","))
    timestamp = int(parts["t"])
    assert abs(time.time() - timestamp) < tolerance
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    assert hmac.compare_digest(expected.hexdigest(), parts["v1"])
    return json.loads(body)


def _create(category, requester, capture):
    with capture(execute=True):
        return ticket_create(
            subject="Locked out", body="Help", requester=requester, category=category
        )


def test_new_ticket_is_posted_signed_with_the_endpoint_secret(
    receiver, endpoint, category, requester, django_capture_on_commit_callbacks
):
    ticket = _create(category, requester, django_capture_on_commit_callbacks)
    assert len(receiver.requests) == 1
    sent = receiver.requests[0]
    event = verify(endpoint.plain_secret, sent["headers"], sent["body"])
    delivery = WebhookDelivery.objects.get()
    assert event["event"] == "ticket.created" == sent["headers"]["X-Frontline-Event"]
    assert event["id"] == str(delivery.event_id) == sent["headers"]["X-Frontline-Event-Id"]
    assert sent["headers"]["X-Frontline-Delivery"] == str(delivery.pk)
    assert event["data"]["ticket"]["reference"] == ticket.reference
    assert event["data"]["ticket"]["requester"]["email"] == "maya@users.example.org"
    assert delivery.status == WebhookDelivery.Status.SUCCEEDED
    attempt = delivery.log.get()
    assert (attempt.status_code, attempt.response_excerpt) == (200, '{"ok": true}')


def test_signature_fails_with_another_secret(
    receiver, endpoint, category, requester, django_capture_on_commit_callbacks
):
    _create(category, requester, django_capture_on_commit_callbacks)
    sent = receiver.requests[0]
    with pytest.raises(AssertionError):
        verify("whsec_not-the-secret", sent["headers"], sent["body"])
    tampered = sent["body"].replace(b"Locked out", b"Locked in!")
    with pytest.raises(AssertionError):
        verify(endpoint.plain_secret, sent["headers"], tampered)


def test_only_subscribed_events_are_sent(
    receiver, endpoint, category, requester, agent, django_capture_on_commit_callbacks
):
    ticket = _create(category, requester, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        ticket_update(ticket=ticket, by=agent.user, priority=Ticket.Priority.HIGH)  # updated
        ticket_change_status(ticket=ticket, by=agent.user, status=Ticket.Status.SOLVED)
    events = [json.loads(r["body"])["event"] for r in receiver.requests]
    assert events == ["ticket.created", "ticket.solved"]
    solved = json.loads(receiver.requests[1]["body"])["data"]["ticket"]
    assert solved["status"] == "solved"
    assert solved["priority"] == "high"


def test_inactive_endpoint_gets_nothing(
    receiver, endpoint, category, requester, django_capture_on_commit_callbacks
):
    endpoint.active = False
    endpoint.save()
    _create(category, requester, django_capture_on_commit_callbacks)
    assert receiver.requests == []
    assert not WebhookDelivery.objects.exists()


def test_rolled_back_change_sends_nothing(receiver, endpoint, category, requester):
    def failing_change():
        with transaction.atomic():
            ticket_create(subject="x", body="y", requester=requester, category=category)
            raise RuntimeError("the change fails")

    with pytest.raises(RuntimeError):
        failing_change()
    assert not WebhookDelivery.objects.exists()


def test_500s_are_retried_with_growing_delays_then_succeed(
    receiver, endpoint, category, requester, scheduled, django_capture_on_commit_callbacks
):
    receiver.statuses = [500, 502, 503, 200]
    _create(category, requester, django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get()
    for _ in range(3):
        delivery.refresh_from_db()
        assert delivery.status == WebhookDelivery.Status.RETRYING
        with time_machine.travel(delivery.next_attempt_at, tick=True):
            webhook_deliver(delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.SUCCEEDED
    assert len(scheduled) == 3
    assert scheduled[0] < scheduled[1] < scheduled[2]  # 30 s, 60 s, 120 s (+ up to 20 %)
    assert 30 <= scheduled[0] <= 36
    assert 120 <= scheduled[2] <= 144
    codes = [a.status_code for a in delivery.log.order_by("number")]
    assert codes == [500, 502, 503, 200]
    assert delivery.log.get(number=1).response_excerpt == "upstream exploded"
    ids = {r["headers"]["X-Frontline-Event-Id"] for r in receiver.requests}
    assert ids == {str(delivery.event_id)}  # the same event every time


def test_early_duplicate_of_a_retry_does_not_send(
    receiver, endpoint, category, requester, scheduled, django_capture_on_commit_callbacks
):
    receiver.statuses = [500]
    _create(category, requester, django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get()
    webhook_deliver(delivery.pk)  # a duplicate message before the retry is due
    assert len(receiver.requests) == 1


def test_gives_up_after_max_attempts(
    settings, receiver, endpoint, category, requester, scheduled, django_capture_on_commit_callbacks
):
    settings.FRONTLINE = {**settings.FRONTLINE, "WEBHOOK_MAX_ATTEMPTS": 2}
    receiver.statuses = [503, 503, 503]
    _create(category, requester, django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get()
    with time_machine.travel(delivery.next_attempt_at, tick=True):
        webhook_deliver(delivery.pk)
        webhook_deliver(delivery.pk)  # given up: nothing more is sent
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.FAILED
    assert (delivery.attempts, len(receiver.requests), len(scheduled)) == (2, 2, 1)
    assert delivery.last_error == "HTTP 503"


@pytest.mark.parametrize(
    ("code", "status"),
    [
        (400, WebhookDelivery.Status.FAILED),
        (404, WebhookDelivery.Status.FAILED),
        (410, WebhookDelivery.Status.FAILED),
        (408, WebhookDelivery.Status.RETRYING),
        (429, WebhookDelivery.Status.RETRYING),
        (500, WebhookDelivery.Status.RETRYING),
    ],
)
def test_4xx_is_final_except_408_and_429(
    code, status, receiver, endpoint, category, requester, scheduled,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    receiver.statuses = [code]
    _create(category, requester, django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == status
    assert len(scheduled) == (1 if status == WebhookDelivery.Status.RETRYING else 0)


def test_timeout_is_logged_and_retried(
    settings, receiver, endpoint, category, requester, scheduled, django_capture_on_commit_callbacks
):
    settings.FRONTLINE = {**settings.FRONTLINE, "WEBHOOK_TIMEOUT_SECONDS": 0.3}
    receiver.delay = 1.0
    _create(category, requester, django_capture_on_commit_callbacks)
    attempt = WebhookAttempt.objects.get()
    assert attempt.status_code is None
    assert attempt.error == "timeout after 0.3 s"
    assert 250 <= attempt.duration_ms < 1000
    assert attempt.delivery.status == WebhookDelivery.Status.RETRYING
    assert len(scheduled) == 1


def test_connection_refused_is_logged_and_retried(
    category, requester, scheduled, django_capture_on_commit_callbacks
):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    webhook_endpoint_create(by=None, url=f"http://127.0.0.1:{port}/", events=["ticket.created"])
    _create(category, requester, django_capture_on_commit_callbacks)
    attempt = WebhookAttempt.objects.get()
    assert attempt.error.startswith("connection error")
    assert attempt.delivery.status == WebhookDelivery.Status.RETRYING


def test_running_the_task_twice_sends_once(
    receiver, endpoint, category, requester, django_capture_on_commit_callbacks
):
    _create(category, requester, django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get()
    assert webhook_deliver(delivery.pk) is None  # already succeeded: skipped
    assert len(receiver.requests) == 1
    assert delivery.log.count() == 1


def test_replay_resends_same_event_as_a_new_attempt(
    receiver, endpoint, category, requester, django_capture_on_commit_callbacks
):
    _create(category, requester, django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        webhook_replay(delivery=delivery, by=None)
    assert len(receiver.requests) == 2
    first, second = receiver.requests
    assert first["body"] == second["body"]
    assert first["headers"]["X-Frontline-Event-Id"] == second["headers"]["X-Frontline-Event-Id"]
    verify(endpoint.plain_secret, second["headers"], second["body"])
    attempts = list(delivery.log.order_by("number").values_list("number", "replay"))
    assert attempts == [(1, False), (2, True)]
    assert webhook_deliver(delivery.pk, replay=True) is None  # that replay was used up
    assert len(receiver.requests) == 2


def test_rotated_secret_signs_the_replay(
    receiver, endpoint, category, requester, django_capture_on_commit_callbacks
):
    from tickets.services.webhooks import webhook_endpoint_rotate_secret

    _create(category, requester, django_capture_on_commit_callbacks)
    new = webhook_endpoint_rotate_secret(endpoint=endpoint)
    with django_capture_on_commit_callbacks(execute=True):
        webhook_replay(delivery=WebhookDelivery.objects.get(), by=None)
    sent = receiver.requests[-1]
    verify(new, sent["headers"], sent["body"])
    with pytest.raises(AssertionError):
        verify(endpoint.plain_secret, sent["headers"], sent["body"])


def test_lost_retries_are_queued_again_by_the_beat(
    receiver, endpoint, category, requester, scheduled, django_capture_on_commit_callbacks
):
    from tickets.services.webhooks import webhooks_retry_lost

    receiver.statuses = [500]
    _create(category, requester, django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get()
    assert webhooks_retry_lost() == 0  # not due yet
    later = delivery.next_attempt_at + timedelta(minutes=3)
    with time_machine.travel(later, tick=True):
        assert webhooks_retry_lost() == 1
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.SUCCEEDED


def test_escalation_and_csat_events(receiver, category, requester, agent, lead):
    from tickets.services import ticket_escalate

    webhook_endpoint_create(by=None, url=receiver.url, events=["ticket.escalated", "csat.received"])
    ticket = TicketFactory(team=agent.team, category=category, requester=requester)
    ticket_escalate(
        ticket=ticket, by=agent.user, reason="Legal threat", level=1,
        brief={"tried": "reset", "needed": "lead decision"},
    )  # fmt: skip
    delivery = WebhookDelivery.objects.get()
    assert delivery.event == "ticket.escalated"
    assert delivery.payload["data"]["escalation"] == {
        "level": 1,
        "source": "manual",
        "reason": "Legal threat",
    }


def test_csat_rating_emits_csat_received(settings, receiver, category, requester, agent):
    from tickets.services.csat import csat_rate, csat_send_survey, csat_token

    settings.FRONTLINE = {**settings.FRONTLINE, "CSAT_SURVEYS": True}
    webhook_endpoint_create(by=None, url=receiver.url, events=["csat.received"])
    ticket = TicketFactory(
        team=agent.team, category=category, requester=requester, status=Ticket.Status.SOLVED
    )
    csat_send_survey(ticket_id=ticket.pk)
    csat_rate(token=csat_token(ticket_id=ticket.pk, rating=5), ip="10.0.0.1")
    delivery = WebhookDelivery.objects.get()
    assert delivery.event == "csat.received"
    assert delivery.payload["data"]["csat"]["rating"] == 5
    assert delivery.payload["data"]["ticket"]["id"] == ticket.pk


# --- admin pages -------------------------------------------------------------------------------


@pytest.fixture
def admin_client(client):
    client.force_login(AgentFactory(role=Role.ADMIN, team=None).user)
    return client


def test_admin_adds_an_endpoint_and_sees_its_secret_once(admin_client, receiver):
    response = admin_client.post(
        reverse("tickets:webhooks"),
        {"name": "CRM", "url": receiver.url, "events": ["ticket.created"], "active": "on"},
    )
    assert response.status_code == 201
    from tickets.models import WebhookEndpoint

    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.secret.startswith("whsec_")
    assert endpoint.secret in response.content.decode()
    assert endpoint.secret not in admin_client.get(reverse("tickets:webhooks")).content.decode()
    page = admin_client.get(reverse("tickets:webhook_endpoint", args=[endpoint.pk]))
    assert endpoint.secret not in page.content.decode()
    rotated = admin_client.post(reverse("tickets:webhook_rotate", args=[endpoint.pk]))
    endpoint.refresh_from_db()
    assert endpoint.secret in rotated.content.decode()


def test_bad_endpoint_form_is_a_400_with_the_reason(admin_client):
    response = admin_client.post(
        reverse("tickets:webhooks"), {"url": "not a url", "events": ["ticket.nope"]}
    )
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()


def test_pages_are_admins_only(client, agent, lead):
    for user in (agent.user, lead.user):
        client.force_login(user)
        assert client.get(reverse("tickets:webhooks")).status_code == 404
        assert client.get(reverse("tickets:webhook_deliveries")).status_code == 404


def test_delivery_log_filters_and_detail_replay(
    admin_client, receiver, endpoint, category, requester, agent,
    django_capture_on_commit_callbacks, count_queries,
):  # fmt: skip
    receiver.statuses = [200, 400]
    ticket = _create(category, requester, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        ticket_change_status(ticket=ticket, by=agent.user, status=Ticket.Status.SOLVED)
    url = reverse("tickets:webhook_deliveries")
    admin_client.get(url)  # the first page puts the session and the signed-in user in the cache
    _, few = count_queries(lambda: admin_client.get(url))
    for _ in range(5):
        WebhookDelivery.objects.create(
            endpoint=endpoint, event="ticket.updated", payload={}, created_at=timezone.now()
        )
    response, many = count_queries(lambda: admin_client.get(url))
    assert len(few) == len(many) <= 12  # not one query per row
    page = response.content.decode()
    created, solved = "<td>ticket.created</td>", "<td>ticket.solved</td>"
    assert created in page
    assert solved in page
    failed = admin_client.get(url, {"status": "failed"}).content.decode()
    assert solved in failed
    assert created not in failed
    by_event = admin_client.get(url, {"event": "ticket.created"}).content.decode()
    assert created in by_event
    assert solved not in by_event
    delivery = WebhookDelivery.objects.get(event="ticket.solved")
    detail = admin_client.get(reverse("tickets:webhook_delivery", args=[delivery.pk]))
    body = detail.content.decode()
    assert "HTTP 400" in body
    assert str(delivery.event_id) in body
    assert ticket.reference in body  # the request body is shown
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(reverse("tickets:webhook_replay", args=[delivery.pk]))
    assert response.status_code == 302
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.SUCCEEDED
    assert delivery.log.filter(replay=True, status_code=200).exists()
    assert delivery.delivered_at <= timezone.now()


def test_endpoint_edits_are_seen_by_the_next_write_and_warm_lookups_read_nothing(
    category, requester, django_assert_num_queries
):
    """Who subscribes is kept per process; any write to an endpoint is seen at once."""
    ticket = TicketFactory(category=category, requester=requester)

    def receivers(event="ticket.created"):
        return [d.endpoint_id for d in webhooks_emit(event=event, ticket=ticket)]

    crm, _ = webhook_endpoint_create(
        by=None, url="https://crm.example.org/hook", events=["ticket.created"]
    )
    assert receivers() == [crm.pk]
    with django_assert_num_queries(0):
        assert receivers("ticket.updated") == []
    webhook_endpoint_update(endpoint=crm, url=crm.url, events=["ticket.solved"])
    assert receivers() == []
    bi, _ = webhook_endpoint_create(
        by=None, url="https://bi.example.org/hook", events=["ticket.created", "ticket.solved"]
    )
    assert receivers() == [bi.pk]
    assert sorted(receivers("ticket.solved")) == sorted([crm.pk, bi.pk])
    bi.active = False
    bi.save()
    assert receivers("ticket.solved") == [crm.pk]
    crm.delete()
    assert receivers("ticket.solved") == []
