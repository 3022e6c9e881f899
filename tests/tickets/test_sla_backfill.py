"""Seeded or imported tickets get their SLA clocks from the backfill, once."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from tests.factories import MessageFactory, TicketFactory
from tickets.models import Ticket, TicketSLA
from tickets.services import sla_backfill

pytestmark = pytest.mark.django_db


@time_machine.travel("2026-11-25 12:00:00+00:00", tick=False)
def test_backfill_starts_first_reply_clock_on_unanswered_history_and_is_idempotent():
    created = timezone.now() - timedelta(hours=3)
    waiting = TicketFactory(created_at=created, last_requester_reply_at=created, priority=4)
    MessageFactory(ticket=waiting, created_at=created)
    solved = TicketFactory(
        status=Ticket.Status.SOLVED, created_at=created, solved_at=timezone.now()
    )

    assert sla_backfill() == 1
    waiting.refresh_from_db()
    row = TicketSLA.objects.get(ticket=waiting)
    assert row.kind == "first_reply"
    assert waiting.due_at == row.due_at
    assert waiting.due_at < timezone.now()  # an urgent ticket unanswered for 3 hours is late
    assert not TicketSLA.objects.filter(ticket=solved).exists()

    assert sla_backfill() == 0
    assert TicketSLA.objects.count() == 1
