"""The nightly rollup check: yesterday's rollups against the raw tickets; admins alerted."""

import random
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django_celery_beat.models import PeriodicTask

from metrics.models import DailyRollup, DailyTeamRollup
from metrics.services import rollup_backfill, rollup_check_day
from metrics.tasks import rollups_check_yesterday
from teams.models import Role
from tests.factories import AgentFactory
from tests.metrics.test_rollups import _generate_history, _rate_some
from tickets.models import Notification

pytestmark = pytest.mark.django_db

START = datetime(2026, 3, 1, 0, 0, tzinfo=UTC)
CHECKED_AT = START + timedelta(days=3, hours=4, minutes=15)  # the night after 2026-03-03
YESTERDAY = (CHECKED_AT - timedelta(days=1)).date()


@pytest.fixture
def history():
    rng = random.Random(18)
    tickets, agents = _generate_history(rng, tickets=40, start=START, days=3)
    _rate_some(rng, tickets, agents)
    with time_machine.travel(CHECKED_AT, tick=False):
        rollup_backfill(start=START.date(), end=CHECKED_AT.date())
    return tickets


@pytest.fixture
def admin(db):
    return AgentFactory(role=Role.ADMIN, team=None, user__email="admin@example.org").user


def _notices(admin):
    return list(Notification.objects.filter(user=admin, kind="rollup_check"))


def test_rollups_built_from_the_raw_tickets_pass_the_check(history):
    for offset in range(4):
        day = START.date() + timedelta(days=offset)
        assert rollup_check_day(day=day, now=CHECKED_AT) == [], day
    assert DailyRollup.objects.filter(day=YESTERDAY).exists()


def test_a_corrupted_rollup_alerts_the_admins_once_by_notice_and_email(
    history, admin, django_capture_on_commit_callbacks
):
    row = DailyTeamRollup.objects.filter(day=YESTERDAY, solved__gt=0).first()
    row.solved += 1
    row.save(update_fields=["solved"])

    mail.outbox.clear()
    with (
        django_capture_on_commit_callbacks(execute=True),
        time_machine.travel(CHECKED_AT, tick=False),
    ):
        differing = rollups_check_yesterday.delay().get()
        rollups_check_yesterday.delay().get()  # run again (a retry): not reported twice

    assert differing == 1
    (notice,) = _notices(admin)
    assert str(YESTERDAY) in notice.text
    assert "solved" in notice.text
    assert f"rollup_backfill --from {YESTERDAY}" in notice.text
    assert [m.to for m in mail.outbox] == [["admin@example.org"]]
    assert str(YESTERDAY) in mail.outbox[0].subject


def test_a_fine_row_that_lost_a_ticket_is_caught(history, admin):
    row = DailyRollup.objects.filter(day=YESTERDAY, created__gt=0).first()
    row.created -= 1
    row.save(update_fields=["created"])

    diffs = rollup_check_day(day=YESTERDAY, now=CHECKED_AT)

    assert [(d.table, d.figure, d.stored + 1 == d.counted) for d in diffs] == [
        ("fine", "created", True)
    ]


def test_the_check_is_scheduled_nightly_in_beat():
    task = PeriodicTask.objects.get(task="metrics.tasks.rollups_check_yesterday")
    assert task.enabled
    assert (task.crontab.hour, task.crontab.minute) == ("4", "15")
