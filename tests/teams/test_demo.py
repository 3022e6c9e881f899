"""Demo people: shifts covering every day, presence, policies and coaching; idempotent."""

import zoneinfo
from datetime import UTC, date, datetime, time

import pytest
import time_machine

from teams import shifts
from teams.demo import seed_people
from teams.models import (
    Agent,
    CoachingSession,
    PolicyAcknowledgement,
    Presence,
    ShiftTemplate,
    Team,
)
from teams.selectors import pending_acknowledgements, rota_from_agent

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with time_machine.travel(datetime(2026, 11, 25, 15, tzinfo=UTC), tick=False):
        seed_people()


def test_every_demo_team_is_covered_every_day_in_its_own_time_zone(seeded):
    for team in Team.objects.all():
        tz = zoneinfo.ZoneInfo(team.time_zone)
        rotas = [rota_from_agent(a) for a in Agent.objects.filter(team=team, role="associate")]
        for day in range(23, 30):  # Monday 23 to Sunday 29 November 2026
            for hour in (7, 12, 20):
                at = datetime.combine(date(2026, 11, day), time(hour), tz)
                on = sum(shifts.on_shift(r, at) for r in rotas)
                assert on >= 2, f"{team} has {on} on shift {at}"
    assert not Agent.objects.filter(team__isnull=False, shift_templates__isnull=True).exists()


def test_demo_associate_is_available_with_one_pending_policy_and_a_session(seeded):
    associate = Agent.objects.get(user__username="associate")
    assert associate.presence == Presence.AVAILABLE
    pending = list(pending_acknowledgements(user=associate.user))
    assert [p.version.article.slug for p in pending] == ["wellness-breaks"]
    assert CoachingSession.objects.filter(associate=associate).count() == 1
    on_shift_now = Agent.objects.filter(presence_since__isnull=False).count()
    assert on_shift_now > 10


def test_seeding_twice_changes_nothing(seeded):
    counts = (
        ShiftTemplate.objects.count(),
        PolicyAcknowledgement.objects.count(),
        CoachingSession.objects.count(),
    )
    with time_machine.travel(datetime(2026, 11, 25, 16, tzinfo=UTC), tick=False):
        seed_people()
    assert counts == (
        ShiftTemplate.objects.count(),
        PolicyAcknowledgement.objects.count(),
        CoachingSession.objects.count(),
    )


def test_the_demo_has_an_opted_in_and_an_opted_out_associate(seeded):
    from teams.models import ExposureKind
    from teams.selectors import consented_kinds, exposure_decision

    alex = Agent.objects.select_related("team").get(user__username="associate")
    assert consented_kinds(user=alex.user) == set(ExposureKind.values)
    out = Agent.objects.select_related("team").get(user__username="trust-safety.01")
    assert out.clearance == "restricted"
    assert consented_kinds(user=out.user) == set()
    refused = exposure_decision(agent=out, sensitivity="sensitive", kind=ExposureKind.SELF_HARM)
    assert refused.reason == "not opted in to self-harm and suicide work"
    with time_machine.travel(datetime(2026, 11, 25, 16, tzinfo=UTC), tick=False):
        seed_people()  # idempotent: the opted-out associate stays out
    assert consented_kinds(user=out.user) == set()
