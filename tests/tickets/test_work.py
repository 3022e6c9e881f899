"""Handle time: heartbeats from the workspace become work sessions per agent × ticket, with an
idle cutoff and a split at UTC midnight; the endpoint answers 204 only inside the scope."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from teams.models import ExposureEntry, ExposureReveal, Sensitivity
from tests.factories import (
    AgentFactory,
    AttachmentFactory,
    CategoryFactory,
    TeamFactory,
    TicketFactory,
)
from tickets.models import WorkSession
from tickets.services import attachment_reveal, work_heartbeat

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 3, 18, 9, 0, tzinfo=UTC)


@pytest.fixture
def setup():
    team = TeamFactory()
    agent = AgentFactory(team=team).user
    return {"team": team, "agent": agent, "ticket": TicketFactory(team=team)}


def _beats(setup, *offsets, ticket=None):
    for s in offsets:
        work_heartbeat(
            ticket=ticket or setup["ticket"], agent=setup["agent"], now=T0 + timedelta(seconds=s)
        )


def test_heartbeats_within_the_idle_cutoff_add_up_and_a_long_gap_is_not_work(setup):
    _beats(setup, 0, 30, 60, 90)  # 90 s of work
    _beats(setup, 90 + 600, 90 + 630)  # ten idle minutes, then 30 s more
    sessions = list(WorkSession.objects.order_by("started_at"))
    assert [s.seconds for s in sessions] == [90, 30]
    assert sessions[1].started_at == T0 + timedelta(seconds=690)


def test_sessions_are_per_ticket_and_a_late_heartbeat_is_ignored(setup):
    other = TicketFactory(team=setup["team"])
    _beats(setup, 0, 30)
    _beats(setup, 40, 70, ticket=other)
    _beats(setup, 10)  # delivered late: before the last one recorded
    by_ticket = dict(WorkSession.objects.values_list("ticket_id", "seconds"))
    assert by_ticket == {setup["ticket"].pk: 30, other.pk: 30}


def test_a_session_never_crosses_utc_midnight(setup):
    late = datetime(2026, 3, 18, 23, 59, 30, tzinfo=UTC)
    for s in (0, 20, 50):  # 23:59:30, 23:59:50, 00:00:20
        work_heartbeat(
            ticket=setup["ticket"], agent=setup["agent"], now=late + timedelta(seconds=s)
        )
    sessions = list(WorkSession.objects.order_by("started_at"))
    assert [(s.started_at.date().day, s.seconds) for s in sessions] == [(18, 30), (19, 20)]


def test_the_workspace_sends_heartbeats_to_an_endpoint_inside_the_scope(client, setup):
    client.force_login(setup["agent"])
    page = client.get(f"/tickets/{setup['ticket'].pk}/").content.decode()
    assert "js/work-timer.js" in page
    assert f'data-work-url="/tickets/{setup["ticket"].pk}/work/"' in page
    assert "<script>" not in page  # no inline script (CSP)
    with time_machine.travel(T0, tick=False) as clock:
        assert client.post(f"/tickets/{setup['ticket'].pk}/work/").status_code == 204
        clock.shift(30)
        assert client.post(f"/tickets/{setup['ticket'].pk}/work/").status_code == 204
        assert WorkSession.objects.get().seconds == 30
        assert client.get(f"/tickets/{setup['ticket'].pk}/work/").status_code == 405
        outside = TicketFactory(team=TeamFactory())
        assert client.post(f"/tickets/{outside.pk}/work/").status_code == 404
        assert WorkSession.objects.count() == 1


def test_work_on_a_sensitive_ticket_is_exposure_minutes_and_starts_the_cool_down(setup):
    sensitive = CategoryFactory(slug="self-harm", sensitivity=Sensitivity.SENSITIVE)
    ticket = TicketFactory(team=setup["team"], category=sensitive)
    _beats(setup, 0, 30, 60, ticket=ticket)
    _beats(setup, 90)  # a plain ticket: handle time, not exposure
    entry = ExposureEntry.objects.get(user=setup["agent"])
    assert (entry.ticket_id, entry.seconds) == (ticket.pk, 60)
    assert entry.last_seen_at == T0 + timedelta(seconds=60)
    assert WorkSession.objects.get(ticket=ticket).seconds == entry.seconds


def test_a_reveal_counts_in_the_viewers_exposure(setup, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    sensitive = CategoryFactory(slug="self-harm", sensitivity=Sensitivity.SENSITIVE)
    ticket = TicketFactory(team=setup["team"], category=sensitive)
    att = AttachmentFactory(ticket=ticket)
    attachment_reveal(attachment=att, by=setup["agent"])
    reveal = ExposureReveal.objects.get(user=setup["agent"])
    assert (reveal.ticket_id, reveal.attachment_id) == (ticket.pk, att.pk)
    assert reveal.sensitivity == Sensitivity.SENSITIVE
