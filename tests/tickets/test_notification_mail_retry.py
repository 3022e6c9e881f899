"""Notice e-mails go out in bounded batches, each notice marked in the transaction that hands it
to the mail server: a batch killed midway and run again mails every recipient exactly once."""

from collections import Counter

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend

from tests.factories import UserFactory
from tickets.models import Notification, OutboxMessage
from tickets.services import notifications_create, outbox_relay_pending, outbox_run
from tickets.services.notify import EMAIL_BATCH

pytestmark = pytest.mark.django_db


class DiesAfterSends(EmailBackend):
    """The mail server (or the worker) goes away after `budget` messages."""

    budget: int | None = None

    def send_messages(self, messages):
        if DiesAfterSends.budget is not None:
            if DiesAfterSends.budget <= 0:
                raise OSError("connection to the mail server lost")
            DiesAfterSends.budget -= 1
        return super().send_messages(messages)


@pytest.fixture
def dying_mail(settings):
    settings.EMAIL_BACKEND = f"{__name__}.DiesAfterSends"
    yield DiesAfterSends
    DiesAfterSends.budget = None


def _notices(users):
    notifications_create(items=[(u.pk, None, "sla_at_risk", f"SLA at risk {u.pk}") for u in users])
    return list(OutboxMessage.objects.order_by("pk"))


def test_sweep_sized_notices_travel_in_batches_of_at_most_a_hundred(
    django_capture_on_commit_callbacks,
):
    users = UserFactory.create_batch(3)
    items = [(users[i % 3].pk, None, "sla_breached", f"SLA breached {i}") for i in range(250)]
    with django_capture_on_commit_callbacks(execute=False):
        notifications_create(items=items)
    sizes = [len(m.payload["ids"]) for m in OutboxMessage.objects.order_by("pk")]
    assert sizes == [100, 100, 50]
    assert EMAIL_BATCH == 100


def test_a_batch_killed_midway_and_retried_mails_each_recipient_once(
    dying_mail, django_capture_on_commit_callbacks
):
    users = UserFactory.create_batch(30)
    with django_capture_on_commit_callbacks(execute=False):  # the worker runs them below
        messages = _notices(users)
    assert len(messages) == 1

    dying_mail.budget = 12
    with pytest.raises(OSError, match="mail server lost"):
        outbox_run(message_id=messages[0].pk)
    assert len(mail.outbox) == 12
    assert Notification.objects.filter(emailed_at__isnull=False).count() == 12

    dying_mail.budget = None  # the retry, once the server is back
    assert outbox_run(message_id=messages[0].pk) is True
    assert outbox_run(message_id=messages[0].pk) is False  # a duplicate delivery: nothing
    sent = Counter(m.to[0] for m in mail.outbox)
    assert sent == {u.email: 1 for u in users}
    assert not Notification.objects.filter(emailed_at__isnull=True).exists()
    assert OutboxMessage.objects.get().done_at is not None


def test_relay_of_a_half_sent_batch_sends_only_the_rest(
    dying_mail, django_capture_on_commit_callbacks
):
    """The worker died after 5 mails and never marked the message done: the relay's resend
    (a second delivery of the same message) mails the other 5 only."""
    users = UserFactory.create_batch(10)
    dying_mail.budget = 5
    with django_capture_on_commit_callbacks(execute=False):
        messages = _notices(users)
    with pytest.raises(OSError, match="mail server lost"):
        outbox_run(message_id=messages[0].pk)
    dying_mail.budget = None
    OutboxMessage.objects.update(
        created_at=OutboxMessage.objects.get().created_at.replace(year=2020)
    )
    assert outbox_relay_pending() == 1
    assert Counter(m.to[0] for m in mail.outbox) == {u.email: 1 for u in users}


def test_a_person_without_address_is_marked_without_mail(django_capture_on_commit_callbacks):
    mailed, silent = UserFactory(), UserFactory(email="")
    with django_capture_on_commit_callbacks(execute=False):
        messages = _notices([mailed, silent])
    assert outbox_run(message_id=messages[0].pk) is True
    assert [m.to for m in mail.outbox] == [[mailed.email]]
    assert not Notification.objects.filter(emailed_at__isnull=True).exists()
