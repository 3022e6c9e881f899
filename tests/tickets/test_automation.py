"""Pending automation: a reminder after 3 days, auto-solve after 7, auto-close 4 days after
the solve — with the clock moved by time-machine and the real MIME messages read back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy

import pytest
import time_machine
from django.core import mail

from tickets.models import Ticket, TicketEvent, WebhookDelivery
from tickets.services import (
    pending_automation_sweep,
    ticket_create,
    ticket_reply,
    ticket_requester_reply,
)
from tickets.services.webhooks import webhook_endpoint_create

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday


@pytest.fixture
def pending(category, requester, agent, django_capture_on_commit_callbacks):
    """A ticket an agent answered at T0 asking for details, leaving it pending."""
    requester.time_zone = "Europe/Berlin"
    requester.save()
    with time_machine.travel(T0, tick=False), django_capture_on_commit_callbacks(execute=True):
        ticket = ticket_create(
            subject="Can't log in",
            body="My account is locked.",
            requester=requester,
            category=category,
            team=agent.team,
        )
        ticket_reply(
            ticket=ticket, by=agent.user, body="Which email did you sign up with?", status="pending"
        )
    mail.outbox.clear()
    return Ticket.objects.get(pk=ticket.pk)


def sweep(at, capture):
    with time_machine.travel(at, tick=False), capture(execute=True):
        return pending_automation_sweep()


def test_reminder_after_three_days_is_a_threaded_email_to_the_requester(
    pending, django_capture_on_commit_callbacks
):
    assert (
        sweep(T0 + timedelta(days=2, hours=23), django_capture_on_commit_callbacks).reminded == []
    )
    assert mail.outbox == []
    result = sweep(T0 + timedelta(days=3, minutes=10), django_capture_on_commit_callbacks)
    assert result.reminded == [pending.pk]
    assert len(mail.outbox) == 1
    # A long Message-ID is folded onto the next line on the wire; a mail client unfolds it.
    msg = message_from_bytes(mail.outbox[0].message().as_bytes(), policy=policy.default)
    assert msg["To"] == "maya@users.example.org"
    assert msg["Subject"] == f"Re: [{pending.reference}] Can't log in"
    assert msg["Auto-Submitted"] == "auto-generated"
    reply_id = pending.messages.get(author_user__isnull=False).email_message_id
    assert reply_id
    assert msg["In-Reply-To"].strip() == reply_id
    assert reply_id in msg["References"]
    text, html = (
        part.get_payload(decode=True).decode() for part in msg.walk() if not part.is_multipart()
    )
    assert "still waiting for your answer" in text
    # solved 7 days after the wait began: Monday 9 March, in the requester's own zone
    assert "Monday 9 March 2026" in text
    assert "Which email did you sign up with?" in text
    assert "<strong>Monday 9 March 2026</strong>" in html
    assert TicketEvent.objects.filter(ticket=pending, kind="pending_reminder").count() == 1


def test_running_twice_sends_one_reminder(pending, django_capture_on_commit_callbacks):
    at = T0 + timedelta(days=3, minutes=10)
    sweep(at, django_capture_on_commit_callbacks)
    assert sweep(at, django_capture_on_commit_callbacks).reminded == []
    assert sweep(at + timedelta(days=1), django_capture_on_commit_callbacks).reminded == []
    assert len(mail.outbox) == 1


def test_no_reminder_once_the_requester_answered(
    pending, requester, django_capture_on_commit_callbacks
):
    with time_machine.travel(T0 + timedelta(days=1), tick=False):
        ticket_requester_reply(ticket=pending, requester=requester, body_html="<p>me@x.org</p>")
    result = sweep(T0 + timedelta(days=8), django_capture_on_commit_callbacks)
    assert (result.reminded, result.solved) == ([], [])
    assert mail.outbox == []


def test_another_agent_reply_restarts_the_wait(pending, agent, django_capture_on_commit_callbacks):
    with time_machine.travel(T0 + timedelta(days=2), tick=False):
        ticket_reply(ticket=pending, by=agent.user, body="Any news?", status="pending")
    mail.outbox.clear()
    assert sweep(T0 + timedelta(days=3, hours=1), django_capture_on_commit_callbacks).reminded == []
    result = sweep(T0 + timedelta(days=5, hours=1), django_capture_on_commit_callbacks)
    assert result.reminded == [pending.pk]


def test_a_new_pending_spell_gets_its_own_reminder(
    pending, agent, requester, django_capture_on_commit_callbacks
):
    sweep(T0 + timedelta(days=3, hours=1), django_capture_on_commit_callbacks)
    with time_machine.travel(T0 + timedelta(days=4), tick=False):
        ticket_requester_reply(ticket=pending, requester=requester, body_html="<p>Still?</p>")
        ticket_reply(ticket=pending, by=agent.user, body="One more thing?", status="pending")
    mail.outbox.clear()
    result = sweep(T0 + timedelta(days=7, hours=1), django_capture_on_commit_callbacks)
    assert (result.reminded, result.solved) == ([pending.pk], [])


def test_auto_solve_after_seven_days_with_event_csat_and_webhook(
    settings, pending, django_capture_on_commit_callbacks
):
    settings.FRONTLINE = {
        **settings.FRONTLINE,
        "CSAT_SURVEYS": True,
        "CSAT_SURVEY_DELAY_SECONDS": 0,
    }
    webhook_endpoint_create(by=None, url="https://hooks.example.org/", events=["ticket.solved"])
    at = T0 + timedelta(days=7, minutes=5)
    with mock_webhook_post() as post:
        result = sweep(at, django_capture_on_commit_callbacks)
    assert result.solved == [pending.pk]
    pending.refresh_from_db()
    assert pending.status == Ticket.Status.SOLVED
    assert pending.solved_at == at
    status = TicketEvent.objects.get(ticket=pending, kind="status", new="solved")
    assert (status.old, status.actor) == ("pending", None)
    assert TicketEvent.objects.filter(
        ticket=pending, kind="automation", new="pending_auto_solve"
    ).exists()
    delivery = WebhookDelivery.objects.get()
    assert (delivery.event, delivery.status, post.call_count) == ("ticket.solved", "succeeded", 1)
    survey = [m for m in mail.outbox if m.subject.startswith("How did we do?")]
    assert [m.to for m in survey] == [["maya@users.example.org"]]
    assert sweep(at, django_capture_on_commit_callbacks).solved == []


def mock_webhook_post():
    from unittest import mock

    return mock.patch("tickets.services.webhooks.delivery._post", return_value=(200, "", "", {}))


def test_auto_close_four_days_after_the_solve(pending, django_capture_on_commit_callbacks):
    sweep(T0 + timedelta(days=7, minutes=5), django_capture_on_commit_callbacks)
    assert sweep(T0 + timedelta(days=11), django_capture_on_commit_callbacks).closed == []
    at = T0 + timedelta(days=11, minutes=6)
    assert sweep(at, django_capture_on_commit_callbacks).closed == [pending.pk]
    pending.refresh_from_db()
    assert (pending.status, pending.closed_at) == (Ticket.Status.CLOSED, at)
    assert sweep(at, django_capture_on_commit_callbacks).closed == []


def test_durations_come_from_settings_and_zero_turns_a_rule_off(
    settings, pending, django_capture_on_commit_callbacks
):
    settings.FRONTLINE = {
        **settings.FRONTLINE,
        "PENDING_REMINDER_DAYS": 1,
        "PENDING_AUTO_SOLVE_DAYS": 0,
    }
    result = sweep(T0 + timedelta(days=1, minutes=1), django_capture_on_commit_callbacks)
    assert result.reminded == [pending.pk]
    text = mail.outbox[0].body
    assert "consider your request solved" not in text  # no auto-solve date to promise
    assert sweep(T0 + timedelta(days=30), django_capture_on_commit_callbacks).solved == []


def test_open_and_on_hold_tickets_are_left_alone(
    category, requester, agent, django_capture_on_commit_callbacks
):
    with time_machine.travel(T0, tick=False):
        ticket = ticket_create(
            subject="x", body="y", requester=requester, category=category, team=agent.team
        )
        ticket_reply(ticket=ticket, by=agent.user, body="Checking", status="on_hold")
    result = sweep(T0 + timedelta(days=30), django_capture_on_commit_callbacks)
    assert (result.reminded, result.solved, result.closed) == ([], [], [])


def test_beat_schedule_is_registered():
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.get(task="tickets.tasks.pending_automation")
    assert task.enabled
    assert (task.interval.every, task.interval.period) == (10, "minutes")
