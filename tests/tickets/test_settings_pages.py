"""The Settings area: who may open which section, the business-hours and SLA-policy editors
(invalid input refused with a message and nothing saved, previews, audit before/after) and
the quiet recompute that never floods escalations."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from teams.models import AuditEntry, Role
from tests.factories import AgentFactory, TeamFactory
from tickets.models import (
    BusinessHours,
    Escalation,
    Notification,
    SLAPolicy,
    TeamServiceSettings,
    Ticket,
    TicketSLA,
)
from tickets.services import sla_sweep, ticket_create

pytestmark = pytest.mark.django_db
# Wednesday 2 December 2026, 10:00 UTC (11:00 in Berlin).
NOW = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)


@pytest.fixture
def admin(db):
    return AgentFactory(role=Role.ADMIN, user__is_superuser=True, user__is_staff=True).user


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def hours_form(**over):
    data = {
        "name": "Berlin office",
        "time_zone": "Europe/Berlin",
        "holiday_country": "DE",
        "region_of": "DE",
        "holiday_subdivision": "",
        "custom_holidays": "2026-12-08",
    }
    for day in range(5):
        data[f"d{day}_0_open"], data[f"d{day}_0_close"] = "09:00", "17:00"
    data.update(over)
    return data


# --- Access ----------------------------------------------------------------------------


def test_landing_lists_sections_by_role(client, admin, lead, agent):
    client.force_login(admin)
    page = client.get(reverse("settings:index")).content.decode()
    assert "Business hours" in page
    assert "SLA policies" in page
    client.force_login(lead.user)
    page = client.get(reverse("settings:index")).content.decode()
    assert "Business hours" in page
    assert "SLA policies" not in page
    assert client.get(reverse("settings:sla")).status_code == 403
    client.force_login(agent.user)  # an associate: only their personal macros
    page = client.get(reverse("settings:index")).content.decode()
    assert "Macros" in page
    assert "Business hours" not in page
    assert client.get(reverse("settings:hours")).status_code == 403
    assert client.post(reverse("settings:hours_new"), hours_form()).status_code == 403
    assert not BusinessHours.objects.exists()


def test_lead_reaches_only_calendars_of_own_teams(client, lead, team):
    other = TeamFactory(name="Night shift")
    own = BusinessHours.objects.create(name="Ours", weekly=[[0, 540, 1020]])
    theirs = BusinessHours.objects.create(name="Theirs", weekly=[[0, 540, 1020]])
    shared = BusinessHours.objects.create(name="Shared", weekly=[[0, 540, 1020]])
    TeamServiceSettings.objects.create(team=team, business_hours=own)
    TeamServiceSettings.objects.create(team=other, business_hours=theirs)
    client.force_login(lead.user)
    page = client.get(reverse("settings:hours")).content.decode()
    assert "Ours" in page
    assert "Theirs" not in page
    assert client.get(reverse("settings:hours_edit", args=[own.pk])).status_code == 200
    assert client.get(reverse("settings:hours_edit", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("settings:hours_edit", args=[shared.pk])).status_code == 404
    # Attaching a calendar to another team is not offered, and refused when posted.
    response = client.post(reverse("settings:hours_new"), hours_form(teams=[other.pk]))
    assert response.status_code == 400
    assert BusinessHours.objects.count() == 3


def test_admin_reaches_every_calendar(client, admin, team):
    other = TeamFactory(name="Night shift")
    theirs = BusinessHours.objects.create(name="Theirs", weekly=[[0, 540, 1020]])
    TeamServiceSettings.objects.create(team=other, business_hours=theirs)
    client.force_login(admin)
    assert client.get(reverse("settings:hours_edit", args=[theirs.pk])).status_code == 200


# --- Business hours --------------------------------------------------------------------


def test_invalid_hours_get_a_clear_message_and_save_nothing(client, admin):
    client.force_login(admin)
    response = client.post(
        reverse("settings:hours_new"), hours_form(d0_0_open="17:00", d0_0_close="09:00")
    )
    assert response.status_code == 400
    assert "the opening time must come before the closing time" in response.content.decode()
    response = client.post(reverse("settings:hours_new"), hours_form(custom_holidays="8.12.2026"))
    assert response.status_code == 400
    assert "is not a date written YYYY-MM-DD" in response.content.decode()
    response = client.post(reverse("settings:hours_new"), hours_form(d1_0_close=""))
    assert "give both the opening and the closing time" in response.content.decode()
    assert not BusinessHours.objects.exists()
    assert not AuditEntry.objects.filter(action="setting_change").exists()


def test_preview_shows_next_14_days_with_holidays_before_saving(client, admin, frozen):
    client.force_login(admin)
    data = hours_form(d2_1_open="18:00", d2_1_close="20:00")
    response = client.post(reverse("settings:hours_new_preview"), data, HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert response.status_code == 200
    assert '<section id="preview"' in page
    assert "<html" not in page
    # Wed 2 Dec: two intervals; Tue 8 Dec: the custom holiday; 25 Dec is outside the window.
    assert "Wed 2 Dec</th>\n      <td>09:00–17:00, 18:00–20:00</td>\n      <td>10 h</td>" in page
    assert "Tue 8 Dec</th>\n      <td>Holiday — closed</td>" in page
    assert "Sat 5 Dec</th>\n      <td>Closed</td>" in page
    assert "Tue 15 Dec" in page
    assert "Wed 16 Dec" not in page
    assert not BusinessHours.objects.exists()


def test_preview_swaps_the_region_list_when_the_country_changes(client, admin, frozen):
    client.force_login(admin)
    data = hours_form(holiday_country="US", region_of="DE")
    page = client.post(reverse("settings:hours_new_preview"), data).content.decode()
    assert 'id="region-field" hx-swap-oob="true"' in page
    assert '<option value="CA">California (CA)</option>' in page


def test_saving_hours_is_audited_and_moves_a_tickets_due_time(
    client, admin, team, category, requester, frozen, django_capture_on_commit_callbacks
):
    SLAPolicy.objects.create(name="Std", first_reply_minutes=120, business_time=True)
    ticket = ticket_create(
        subject="Locked out", body="Help", requester=requester, category=category, team=team
    )
    assert ticket.due_at == NOW + timedelta(hours=2)  # no calendar yet: 24/7
    client.force_login(admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("settings:hours_new"), hours_form(teams=[team.pk]))
    assert response.status_code == 302
    hours = BusinessHours.objects.get()
    assert hours.weekly == [[d, 540, 1020] for d in range(5)]
    assert TeamServiceSettings.objects.get(team=team).business_hours == hours
    ticket.refresh_from_db()
    assert ticket.due_at == NOW + timedelta(hours=2)  # 11:00 Berlin + 2 open hours = 13:00
    entry = AuditEntry.objects.get(action="setting_change")
    assert entry.detail["before"] is None
    assert entry.detail["after"]["teams"] == [team.name]
    # Edit: Wednesday opens at 12:00 Berlin — the open ticket's clock follows, audited.
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("settings:hours_edit", args=[hours.pk]),
            hours_form(teams=[team.pk], d2_0_open="12:00"),
        )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.due_at == datetime(2026, 12, 2, 13, 0, tzinfo=UTC)  # 12:00-14:00 Berlin
    entry = AuditEntry.objects.filter(action="setting_change").first()
    assert [2, 540, 1020] in entry.detail["before"]["weekly"]
    assert [2, 720, 1020] in entry.detail["after"]["weekly"]
    assert entry.detail["changed"] == ["weekly"]


def test_lead_saves_own_teams_calendar(client, lead, team, frozen):
    client.force_login(lead.user)
    response = client.post(reverse("settings:hours_new"), hours_form())
    assert response.status_code == 400
    assert "Choose at least one of your teams" in response.content.decode()
    response = client.post(reverse("settings:hours_new"), hours_form(teams=[team.pk]))
    assert response.status_code == 302
    assert TeamServiceSettings.objects.get(team=team).business_hours.name == "Berlin office"


# --- SLA policies ----------------------------------------------------------------------


def policy_form(**over):
    data = {
        "name": "High priority",
        "position": "0",
        "active": "on",
        "priorities": ["3"],
        "first_reply_amount": "2",
        "first_reply_unit": "hours",
        "business_time": "0",
        "pause_statuses": ["pending", "on_hold"],
        "at_risk_percent": "75",
        "apply": "recompute",
    }
    data.update(over)
    return data


@pytest.fixture
def open_tickets(team, category, requester):
    """Two high-priority tickets (3 h and 1 h old) and a low one, under the default targets
    (first reply 4 h for high, 24 h for low, calendar time)."""
    made = {}
    for key, age, priority in (("old", 180, 3), ("young", 60, 3), ("low", 180, 1)):
        with time_machine.travel(NOW - timedelta(minutes=age), tick=False):
            made[key] = ticket_create(
                subject=key,
                body="Help",
                requester=requester,
                category=category,
                team=team,
                priority=priority,
            )
    return made


def test_invalid_policy_gets_a_message_and_saves_nothing(client, admin):
    client.force_login(admin)
    response = client.post(reverse("settings:sla_new"), policy_form(priorities=["9"]))
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    response = client.post(reverse("settings:sla_new"), policy_form(first_reply_amount=""))
    assert response.status_code == 400
    assert "Set at least one target" in response.content.decode()
    assert not SLAPolicy.objects.exists()


def test_policy_editor_offers_labels_not_codes(client, admin, category, team):
    client.force_login(admin)
    page = client.get(reverse("settings:sla_new")).content.decode()
    for label in ("Urgent", "Web form", category.name, team.name, "On hold", "Calendar time"):
        assert label in page


def test_policy_preview_counts_open_tickets_and_past_due(client, admin, open_tickets, frozen):
    client.force_login(admin)
    response = client.post(reverse("settings:sla_new_preview"), policy_form())
    page = response.content.decode()
    assert "Applies to <strong>2</strong> open tickets (of 3)" in page
    assert "<strong>1</strong> would be past due now, 1 of them only because of this change" in page
    assert not SLAPolicy.objects.exists()


def test_recompute_records_but_never_escalates_what_the_change_made_past_due(
    client, admin, open_tickets, frozen, django_capture_on_commit_callbacks
):
    old = open_tickets["old"]
    assert old.due_at == NOW + timedelta(hours=1)
    client.force_login(admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("settings:sla_new"), policy_form())
    assert response.status_code == 302
    old.refresh_from_db()
    assert old.due_at == NOW - timedelta(hours=1)
    first = TicketSLA.objects.get(ticket=old, kind="first_reply")
    assert first.met is False
    assert first.breached_at == NOW - timedelta(hours=1)
    result = sla_sweep(now=NOW + timedelta(minutes=1))
    assert result.breached == []
    assert not Escalation.objects.exists()
    assert not Notification.objects.exists()
    assert Ticket.objects.get(pk=old.pk).priority == 3  # no bump
    entry = AuditEntry.objects.get(action="setting_change")
    assert entry.detail["after"]["priorities"] == [3]


def test_new_tickets_only_keeps_open_tickets_and_versions_an_edit(
    client,
    admin,
    open_tickets,
    team,
    category,
    requester,
    frozen,
    django_capture_on_commit_callbacks,
):
    client.force_login(admin)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("settings:sla_new"), policy_form(apply="new"))
    policy = SLAPolicy.objects.get()
    old = Ticket.objects.get(pk=open_tickets["old"].pk)
    assert old.due_at == NOW + timedelta(hours=1)  # unchanged
    fresh = ticket_create(
        subject="new", body="Help", requester=requester, category=category, team=team, priority=3
    )
    assert fresh.due_at == NOW + timedelta(hours=2)
    # Edit it, new tickets only: the current version keeps the fresh ticket, a new one starts.
    frozen.shift(timedelta(minutes=5))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("settings:sla_edit", args=[policy.pk]),
            policy_form(apply="new", first_reply_amount="30", first_reply_unit="minutes"),
        )
    assert response.status_code == 302
    policy.refresh_from_db()
    assert policy.created_before == NOW + timedelta(minutes=5)
    version = SLAPolicy.objects.exclude(pk=policy.pk).get()
    assert (version.first_reply_minutes, version.created_from) == (30, policy.created_before)
    fresh.refresh_from_db()
    assert fresh.due_at == NOW + timedelta(hours=2)
    newer = ticket_create(
        subject="newer", body="Help", requester=requester, category=category, team=team, priority=3
    )
    assert newer.due_at == NOW + timedelta(minutes=35)
    assert AuditEntry.objects.filter(action="setting_change").count() == 3


def test_editing_keeps_every_interval_of_a_busy_day(client, admin):
    four = [[0, 480, 540], [0, 600, 660], [0, 720, 780], [0, 840, 900]]
    hours = BusinessHours.objects.create(name="Split shifts", weekly=four)
    client.force_login(admin)
    page = client.get(reverse("settings:hours_edit", args=[hours.pk])).content.decode()
    assert 'value="14:00"' in page
    data = {"name": "Split shifts", "time_zone": "UTC", "region_of": ""}
    for slot, (_d, start, end) in enumerate(four):
        data[f"d0_{slot}_open"] = f"{start // 60:02d}:00"
        data[f"d0_{slot}_close"] = f"{end // 60:02d}:00"
    assert client.post(reverse("settings:hours_edit", args=[hours.pk]), data).status_code == 302
    hours.refresh_from_db()
    assert hours.weekly == four
