"""Imminent risk through a real Celery worker (Redis broker, PostgreSQL): an e-mail whose
words flag it reaches the on-call lead — in the app at once, and by e-mail in the worker's
first run of the outbox."""

from __future__ import annotations

import datetime as dt

import pytest

from teams.models import Role, Sensitivity
from tests.factories import AgentFactory, CategoryFactory, ShiftTemplateFactory, TeamFactory
from tests.integration.test_celery_worker import _mails, _wait, broker, worker  # noqa: F401
from tests.tickets.test_inbound_email import new_email
from tickets.models import Notification, OutboxMessage, RiskPhraseSet, Ticket
from tickets.risk_phrases import DEFAULTS
from tickets.services import email_ingest

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_the_on_call_lead_is_told_within_one_worker_run(worker):  # noqa: F811
    _proc, mail_dir = worker
    for language, (name, phrases, exceptions) in DEFAULTS.items():  # flushed between tests
        RiskPhraseSet.objects.get_or_create(
            language=language, defaults={"name": name, "phrases": phrases, "exceptions": exceptions}
        )
    CategoryFactory(slug="account-access")
    safety = TeamFactory(name="Trust & Safety")
    lead = AgentFactory(team=safety, role=Role.LEAD, clearance=Sensitivity.RESTRICTED,
                        user__email="oncall-lead@frontline.example.org")  # fmt: skip
    safety.lead = lead.user
    safety.save()
    for day in range(7):  # on shift around the clock (00:00-23:59 then 23:59-00:00)
        ShiftTemplateFactory(agent=lead, weekday=day, start=dt.time(0), end=dt.time(23, 59))
        ShiftTemplateFactory(agent=lead, weekday=day, start=dt.time(23, 59), end=dt.time(0))

    msg = new_email(subject="Please help")
    msg.set_content("No puedo más. Quiero morirme esta noche.")
    ticket = email_ingest(raw=msg.as_bytes()).ticket

    assert ticket.priority == Ticket.Priority.URGENT
    assert ticket.team == safety
    assert Notification.objects.filter(user=lead.user, ticket=ticket, kind="imminent_risk").exists()
    _wait(
        lambda: not OutboxMessage.objects.filter(done_at__isnull=True).exists(),
        30,
        "outbox delivered",
    )
    sent = b"".join(p.read_bytes() for p in mail_dir.glob("*.log"))
    assert b"oncall-lead@frontline.example.org" in sent
    assert b"Possible imminent risk" in sent
    assert ticket.reference.encode() in sent
    emailed = OutboxMessage.objects.get(task="notifications.email")
    assert emailed.attempts == 1
