"""Team page, member edit and schedule page: what each role sees and may change."""

from datetime import UTC, datetime, time

import pytest
import time_machine
from django.urls import reverse

from teams.models import Role, Sensitivity, ShiftTemplate, TimeOff
from teams.services import presence_set
from tests.factories import AgentFactory, ShiftTemplateFactory, TeamFactory

pytestmark = pytest.mark.django_db
WEDNESDAY_10 = datetime(2026, 11, 25, 10, tzinfo=UTC)


@pytest.fixture
def team():
    return TeamFactory(time_zone="UTC")


@pytest.fixture
def lead(team):
    agent = AgentFactory(role=Role.LEAD, team=team, clearance=Sensitivity.SENSITIVE)
    team.lead = agent.user
    team.save()
    return agent


@pytest.fixture
def associate(team):
    agent = AgentFactory(team=team, time_zone="UTC", skills=["billing"])
    ShiftTemplateFactory(agent=agent, weekday=2, start=time(9), end=time(17))
    return agent


def test_team_page_shows_presence_and_who_is_on_shift_now(client, lead, associate):
    presence_set(agent=associate, status="lunch")
    client.force_login(lead.user)
    with time_machine.travel(WEDNESDAY_10, tick=False):
        page = client.get(reverse("teams:detail", args=[associate.team.slug]))
    html = page.content.decode()
    row = html[html.index(f'data-agent="{associate.user.username}"') :].split("</tr>")[0]
    assert "Lunch" in row
    assert "<td>Yes</td>" in row
    assert "billing" in row
    assert reverse("teams:member_edit", args=[associate.team.slug, associate.pk]) in html


def test_associate_sees_the_team_page_without_edit_links(client, associate):
    client.force_login(associate.user)
    page = client.get(reverse("teams:detail", args=[associate.team.slug]))
    assert page.status_code == 200
    assert b"/edit/" not in page.content
    edit = reverse("teams:member_edit", args=[associate.team.slug, associate.pk])
    assert client.get(edit).status_code == 403


def test_lead_edits_capacity_but_cannot_grant_more_clearance_than_their_own(
    client, lead, associate
):
    client.force_login(lead.user)
    url = reverse("teams:member_edit", args=[associate.team.slug, associate.pk])
    form = {
        "skills": "billing, feedback",
        "languages": "en",
        "capacity": "6",
        "clearance": "sensitive",
        "status": "active",
        "time_zone": "UTC",
    }
    assert client.post(url, form).status_code == 302
    associate.refresh_from_db()
    assert (associate.capacity, associate.skills) == (6, ["billing", "feedback"])
    page = client.post(url, {**form, "clearance": "restricted"})
    assert page.status_code == 400
    assert b"above your own" in page.content
    associate.refresh_from_db()
    assert associate.clearance == Sensitivity.SENSITIVE


def test_lead_of_another_team_gets_404_for_the_member(client, associate):
    other = AgentFactory(role=Role.LEAD, team=TeamFactory())
    client.force_login(other.user)
    url = reverse("teams:member_edit", args=[associate.team.slug, associate.pk])
    assert client.get(url).status_code == 404


def test_schedule_shows_the_week_and_a_moved_shift_changes_the_hourly_count(
    client, lead, associate
):
    client.force_login(lead.user)
    url = reverse("teams:schedule", args=[associate.team.slug])
    template = ShiftTemplate.objects.get(agent=associate)
    with time_machine.travel(WEDNESDAY_10, tick=False):
        page = client.get(url).content.decode()
        assert "09:00–17:00" in page
        assert 'data-day="2026-11-25" data-hour="12">1<' in page
        assert 'data-day="2026-11-25" data-hour="18">0<' in page
        response = client.post(
            reverse("teams:shift_save", args=[associate.team.slug]),
            {
                "agent": associate.pk,
                "template": template.pk,
                "weekday": 2,
                "start": "14:00",
                "end": "22:00",
            },
        )
        assert response.status_code == 302
        page = client.get(url).content.decode()
    assert 'data-day="2026-11-25" data-hour="12">0<' in page
    assert 'data-day="2026-11-25" data-hour="18">1<' in page


def test_schedule_time_off_and_bad_input_come_back_as_messages(client, lead, associate):
    client.force_login(lead.user)
    url = reverse("teams:time_off_add", args=[associate.team.slug])
    form = {
        "agent": associate.pk,
        "start_date": "2026-12-24",
        "end_date": "2026-12-26",
        "kind": "vacation",
    }
    assert client.post(url, form).status_code == 302
    assert TimeOff.objects.filter(agent=associate).count() == 1
    response = client.post(url, {**form, "end_date": "2026-12-01"}, follow=True)
    assert b"end on or after" in response.content
    response = client.post(url, {**form, "start_date": "soon"}, follow=True)
    assert b"Enter a valid date" in response.content


def test_associate_may_view_the_schedule_but_not_change_it(client, associate):
    client.force_login(associate.user)
    page = client.get(reverse("teams:schedule", args=[associate.team.slug]))
    assert page.status_code == 200
    assert b"Add shift" not in page.content
    response = client.post(
        reverse("teams:shift_save", args=[associate.team.slug]),
        {"agent": associate.pk, "weekday": 3, "start": "09:00", "end": "17:00"},
    )
    assert response.status_code == 403
    assert ShiftTemplate.objects.filter(agent=associate).count() == 1


def test_schedule_page_query_count_does_not_grow_with_members(
    client, lead, associate, django_assert_max_num_queries
):
    for _ in range(5):
        ShiftTemplateFactory(agent=AgentFactory(team=associate.team), weekday=1)
    client.force_login(lead.user)
    with django_assert_max_num_queries(20):
        assert client.get(reverse("teams:schedule", args=[associate.team.slug])).status_code == 200
