"""Issue 17: exposure accounting and care — figures per shift and per week (tickets, exposure
minutes, reveals), the check-in prompt, consent per kind (the associate's own choice, effective
at once, audited), the team's caps and cool-down (a lead's validated form), and who sees what."""

import importlib
from datetime import UTC, datetime, time, timedelta

import pytest
import time_machine
from django.apps import apps as django_apps
from django.urls import reverse

from teams.models import AuditEntry, ExposureConsent, ExposureKind, Role, Sensitivity
from teams.selectors import (
    consented_kinds,
    cool_down_left,
    exposure_care_rows,
    exposure_decision,
    rotas_prefetched,
)
from teams.services import (
    agent_create,
    exposure_consent_set,
    exposure_opt_out,
    exposure_record,
    exposure_reveal_record,
    exposure_work,
)
from tests.factories import AgentFactory, ShiftTemplateFactory, TeamFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)  # a Wednesday; the shift runs 9:00-17:00


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def team():
    return TeamFactory(exposure_check_in_minutes=60)


@pytest.fixture
def lead(team):
    agent = AgentFactory(team=team, role=Role.LEAD, clearance=Sensitivity.RESTRICTED)
    team.lead = agent.user
    team.save()
    return agent


@pytest.fixture
def ana(team):
    agent = AgentFactory(
        team=team, clearance=Sensitivity.SENSITIVE, user__first_name="Ana", time_zone="UTC"
    )
    ShiftTemplateFactory(agent=agent, weekday=2, start=time(9), end=time(17))
    return agent


def worked(agent, ticket_id, *, at, minutes, sensitivity=Sensitivity.SENSITIVE):
    exposure_record(user=agent.user, ticket_id=ticket_id, sensitivity=sensitivity, at=at)
    exposure_work(
        user=agent.user,
        ticket_id=ticket_id,
        sensitivity=sensitivity,
        seconds=minutes * 60,
        at=at + timedelta(minutes=minutes),
    )


def test_figures_per_shift_and_per_week_count_tickets_minutes_and_reveals(ana, team):
    worked(ana, 1, at=NOW - timedelta(hours=2), minutes=25)  # this shift
    worked(ana, 2, at=NOW - timedelta(hours=9), minutes=10, sensitivity=Sensitivity.RESTRICTED)
    worked(ana, 3, at=NOW - timedelta(days=9), minutes=40)  # the week before
    worked(ana, 4, at=NOW - timedelta(days=30), minutes=99)  # older than four weeks
    exposure_reveal_record(
        user=ana.user, ticket_id=1, attachment_id=7, sensitivity=Sensitivity.SENSITIVE
    )
    exposure_reveal_record(
        user=ana.user,
        ticket_id=3,
        attachment_id=8,
        sensitivity=Sensitivity.SENSITIVE,
        at=NOW - timedelta(days=9),
    )
    (row,) = exposure_care_rows(agents=rotas_prefetched(type(ana).objects.filter(pk=ana.pk)))
    assert (row.shift.tickets, row.shift.minutes, row.shift.reveals) == (1, 25, 1)
    last, before, *older = row.weeks
    assert (last.tickets, last.restricted, last.minutes, last.reveals) == (2, 1, 35, 1)
    assert (before.tickets, before.minutes, before.reveals) == (1, 40, 1)
    assert [(w.tickets, w.minutes) for w in older] == [(0, 0), (0, 0)]


def test_work_on_the_same_handling_adds_up_and_moves_its_last_work(ana):
    worked(ana, 1, at=NOW - timedelta(minutes=30), minutes=5)
    exposure_work(
        user=ana.user,
        ticket_id=1,
        sensitivity=Sensitivity.SENSITIVE,
        seconds=120,
        at=NOW - timedelta(minutes=3),
    )
    entry = ana.user.exposure_entries.get()
    assert entry.seconds == 420
    assert entry.last_seen_at == NOW - timedelta(minutes=3)
    assert (
        exposure_work(user=ana.user, ticket_id=2, sensitivity=Sensitivity.NONE, seconds=60, at=NOW)
        is None
    )


def test_the_lead_is_prompted_to_check_in_past_the_threshold(ana, team):
    worked(ana, 1, at=NOW - timedelta(days=2), minutes=59)
    (row,) = exposure_care_rows(agents=[ana])
    assert not row.check_in
    worked(ana, 2, at=NOW - timedelta(days=1), minutes=1)
    (row,) = exposure_care_rows(agents=[ana])
    assert row.check_in


def test_reaching_the_weekly_cap_prompts_a_check_in_too(ana, team):
    team.exposure_check_in_minutes = None
    team.exposure_cap_per_week = 2
    team.save()
    worked(ana, 1, at=NOW - timedelta(days=2), minutes=1)
    assert not exposure_care_rows(agents=[ana])[0].check_in
    worked(ana, 2, at=NOW - timedelta(days=1), minutes=1)
    assert exposure_care_rows(agents=[ana])[0].check_in


def test_the_cool_down_runs_from_the_last_work_on_a_sensitive_ticket(ana, team):
    team.exposure_cool_down_minutes = 15
    team.save()
    worked(ana, 1, at=NOW - timedelta(minutes=40), minutes=30)  # last work 10 minutes ago
    ana.refresh_from_db()
    decision = exposure_decision(agent=ana, sensitivity=Sensitivity.SENSITIVE)
    assert (decision.allowed, decision.overridable) == (False, True)
    assert decision.reason == "in a cool-down after a sensitive ticket (5 more minutes)"
    assert exposure_decision(agent=ana, sensitivity=Sensitivity.NONE).allowed
    later = NOW + timedelta(minutes=5)
    assert exposure_decision(agent=ana, sensitivity=Sensitivity.SENSITIVE, at=later).allowed
    assert cool_down_left(last=NOW, minutes=0, at=NOW) == timedelta(0)


def test_opting_out_of_a_kind_is_effective_at_once_and_audited(ana):
    kinds = set(ExposureKind.values) - {ExposureKind.CHILD_SAFETY}
    added, removed = exposure_consent_set(agent=ana, kinds=kinds)
    assert (added, removed) == ([], [ExposureKind.CHILD_SAFETY])
    child = exposure_decision(
        agent=ana, sensitivity=Sensitivity.SENSITIVE, kind=ExposureKind.CHILD_SAFETY
    )
    assert (child.allowed, child.overridable) == (False, False)
    assert child.reason == "not opted in to child safety work"
    assert exposure_decision(
        agent=ana, sensitivity=Sensitivity.SENSITIVE, kind=ExposureKind.SELF_HARM
    ).allowed
    entry = AuditEntry.objects.get(action=AuditEntry.Action.EXPOSURE_CONSENT)
    assert entry.actor_id == ana.user_id
    assert entry.detail == {"opted_in": [], "opted_out": [ExposureKind.CHILD_SAFETY]}
    exposure_consent_set(agent=ana, kinds=kinds)  # no change: nothing more audited
    assert AuditEntry.objects.filter(action=AuditEntry.Action.EXPOSURE_CONSENT).count() == 1


def test_a_category_without_a_kind_needs_consent_to_other_content(ana):
    exposure_consent_set(agent=ana, kinds=[ExposureKind.SELF_HARM])
    assert not exposure_decision(agent=ana, sensitivity=Sensitivity.SENSITIVE, kind="")
    exposure_consent_set(agent=ana, kinds=[ExposureKind.OTHER])
    assert exposure_decision(agent=ana, sensitivity=Sensitivity.SENSITIVE, kind="")


def test_consent_does_not_replace_clearance(team):
    uncleared = AgentFactory(team=team, clearance=Sensitivity.NONE)
    decision = exposure_decision(agent=uncleared, sensitivity=Sensitivity.SENSITIVE)
    assert decision.reason == "not cleared for sensitive tickets"


def test_the_associate_opts_in_and_out_on_their_page(client, ana):
    exposure_consent_set(agent=ana, kinds=[])
    client.force_login(ana.user)
    page = client.get(reverse("teams:my_exposure")).content.decode()
    assert 'value="self_harm" id="kind-self_harm">' in page  # unticked
    response = client.post(reverse("teams:my_consent"), {"kinds": ["self_harm", "hate_abuse"]})
    assert response.status_code == 302
    assert consented_kinds(user=ana.user) == {"self_harm", "hate_abuse"}
    page = client.get(reverse("teams:my_exposure")).content.decode()
    assert 'value="self_harm" id="kind-self_harm" checked>' in page
    assert "Opted in to: Hate and abuse, Self-harm and suicide." in page
    assert client.post(reverse("teams:my_consent"), {"kinds": ["gore"]}).status_code == 302
    assert consented_kinds(user=ana.user) == {"self_harm", "hate_abuse"}


def test_the_associate_sees_their_own_four_weeks(client, ana, team):
    worked(ana, 1, at=NOW - timedelta(days=1), minutes=61)
    client.force_login(ana.user)
    page = client.get(reverse("teams:my_exposure")).content.decode()
    assert "The last four weeks" in page
    assert '<td class="num">61</td>' in page
    assert "heavy week" in page


def test_the_lead_sees_each_members_four_weeks_and_the_prompt(client, lead, ana, team):
    peer = AgentFactory(team=team, clearance=Sensitivity.SENSITIVE, user__first_name="Ben")
    worked(ana, 1, at=NOW - timedelta(days=1), minutes=61)
    worked(peer, 2, at=NOW - timedelta(days=1), minutes=5)
    exposure_opt_out(agent=peer)
    client.force_login(lead.user)
    page = client.get(reverse("teams:exposure", args=[team.slug])).content.decode()
    assert "1 · 61 min · 0 rev." in page
    assert "1 · 5 min · 0 rev." in page
    assert "a good moment to check in with Ana" in page
    assert "check in with Ben" not in page


def test_who_sees_exposure_pages(client, ana, team):
    client.force_login(ana.user)
    assert client.get(reverse("teams:exposure", args=[team.slug])).status_code == 403
    assert client.get(reverse("teams:my_exposure")).status_code == 200
    other_lead = AgentFactory(role=Role.LEAD, team=TeamFactory())
    client.force_login(other_lead.user)
    assert client.get(reverse("teams:exposure", args=[team.slug])).status_code == 404
    url = reverse("teams:exposure_settings", args=[team.slug])
    assert client.post(url, {"exposure_cool_down_minutes": 5}).status_code == 404
    client.force_login(ana.user)
    assert client.post(url, {"exposure_cool_down_minutes": 5}).status_code == 403
    team.refresh_from_db()
    assert team.exposure_cool_down_minutes == 0


def test_the_lead_sets_caps_and_cool_down_and_it_is_audited(client, lead, team):
    client.force_login(lead.user)
    url = reverse("teams:exposure_settings", args=[team.slug])
    form = {
        "exposure_cap_per_shift": "4",
        "exposure_cap_per_week": "12",
        "exposure_cool_down_minutes": "10",
        "exposure_check_in_minutes": "240",
    }
    assert client.post(url, form).status_code == 302
    team.refresh_from_db()
    assert (team.exposure_cap_per_shift, team.exposure_cap_per_week) == (4, 12)
    assert team.exposure_cool_down_minutes == 10
    entry = AuditEntry.objects.get(action=AuditEntry.Action.EXPOSURE_SETTINGS)
    assert entry.detail["exposure_cap_per_week"] == [None, 12]


@pytest.mark.parametrize(
    ("field", "value", "says"),
    [
        ("exposure_cap_per_week", "2", "cannot be lower than the cap per shift"),
        ("exposure_cool_down_minutes", "500", "less than or equal to 240"),
        ("exposure_cap_per_shift", "-1", "greater than or equal to 0"),
        ("exposure_cap_per_shift", "many", "Enter a whole number"),
    ],
)
def test_bad_settings_are_refused_with_a_message(client, lead, team, field, value, says):
    client.force_login(lead.user)
    form = {"exposure_cap_per_shift": "4", "exposure_cool_down_minutes": "0", field: value}
    response = client.post(reverse("teams:exposure_settings", args=[team.slug]), form)
    assert response.status_code == 400
    assert says in response.content.decode()
    team.refresh_from_db()
    assert team.exposure_cap_per_shift is None


def test_the_migration_opts_existing_cleared_agents_in_to_every_kind(team):
    migration = importlib.import_module("teams.migrations.0012_exposure_consent_and_care")
    cleared = AgentFactory(team=team, clearance=Sensitivity.SENSITIVE, consents=[])
    plain = AgentFactory(team=team, clearance=Sensitivity.NONE, consents=[])
    migration.existing_cleared_agents_consent(django_apps, None)
    assert consented_kinds(user=cleared.user) == set(ExposureKind.values)
    assert consented_kinds(user=plain.user) == set()


def test_a_new_agent_starts_opted_in_to_nothing(team):
    created = agent_create(
        username="newbie", email="newbie@staff.example.com", role=Role.ASSOCIATE, team=team
    )
    assert not ExposureConsent.objects.filter(user=created.user).exists()
