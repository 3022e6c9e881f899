"""The outbox: written with the change, delivered after commit, run once, relayed when lost."""

from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from tickets.models import Notification, OutboxMessage
from tickets.services import notifications_create, outbox_relay_pending, outbox_run

pytestmark = pytest.mark.django_db


def _failing_change(user_id):
    with transaction.atomic():
        notifications_create(items=[(user_id, None, "test", "Hello")])
        raise RuntimeError("the change fails")


def test_rolled_back_change_leaves_no_outbox_row(agent):
    with pytest.raises(RuntimeError):
        _failing_change(agent.user_id)
    assert not OutboxMessage.objects.exists()
    assert not Notification.objects.exists()


def test_delivered_on_commit_and_runs_once(agent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notifications_create(items=[(agent.user_id, None, "test", "Ticket assigned")])
    message = OutboxMessage.objects.get()
    assert message.done_at is not None
    assert message.sent_at is not None
    assert len(mail.outbox) == 1
    assert outbox_run(message_id=message.pk) is False  # a duplicate delivery does nothing
    assert len(mail.outbox) == 1


def test_broker_down_then_relay_sends_it(agent, django_capture_on_commit_callbacks):
    with (
        mock.patch("tickets.tasks.outbox_deliver.apply_async", side_effect=ConnectionError("down")),
        django_capture_on_commit_callbacks(execute=True),
    ):
        notifications_create(items=[(agent.user_id, None, "test", "SLA at risk")])
    message = OutboxMessage.objects.get()
    assert (message.sent_at, message.done_at) == (None, None)
    assert mail.outbox == []
    assert outbox_relay_pending() == 0  # too fresh: the on-commit send may still be on its way
    assert outbox_relay_pending(now=timezone.now() + timedelta(minutes=3)) == 1
    message.refresh_from_db()
    assert message.done_at is not None
    assert len(mail.outbox) == 1
    assert outbox_relay_pending(now=timezone.now() + timedelta(minutes=3)) == 0
