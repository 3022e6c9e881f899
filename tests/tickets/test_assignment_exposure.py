"""One exposure decision for every assignment path (issue 17): get-next's rule — clearance,
step-out, per-shift and per-hour caps — refuses a lead's manual assignment (workspace page
and API share ticket_assign) and push auto-assign alike; a lead may override a held-back
refusal (never a missing clearance) with a reason, which leaves an event, an audit entry
and a notice to the associate."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from teams.models import AuditEntry, Presence, Role, Sensitivity, Team
from teams.selectors import ExposureCap, exposure_decision
from teams.services import exposure_opt_out, exposure_record
from tests.factories import AgentFactory, TeamFactory, TicketFactory
from tickets import services
from tickets.models import Notification, TeamServiceSettings, Ticket, TicketEvent

pytestmark = pytest.mark.django_db

RULES = {
    "no clearance": "not cleared",
    "stepped out": "stepped out",
    "shift cap reached": "shift cap reached",
    "hourly cap reached": "hourly cap reached",
}


def apply_rule(rule: str, agent, team) -> None:
    """Put `agent` in the state where the exposure rule refuses them sensitive work."""
    if rule == "no clearance":
        agent.clearance = Sensitivity.NONE
        agent.save()
    elif rule == "stepped out":
        exposure_opt_out(agent=agent)
    else:
        if rule == "shift cap reached":
            team.exposure_cap_per_shift = 1
            team.save()
        else:
            TeamServiceSettings.objects.create(team=team, exposure_cap_per_hour=1)
        handled = TicketFactory(team=team)
        exposure_record(
            user=agent.user,
            ticket_id=handled.pk,
            sensitivity=Sensitivity.SENSITIVE,
            at=timezone.now() - timedelta(minutes=5),
        )


@pytest.fixture
def associate(team):
    return AgentFactory(
        team=team,
        presence=Presence.AVAILABLE,
        clearance=Sensitivity.SENSITIVE,
        user__first_name="Ana",
        user__last_name="Lima",
    )


@pytest.fixture
def unassigned(team, sensitive):
    return TicketFactory(team=team, category=sensitive, status=Ticket.Status.NEW)


def assign_by_page(client, lead, ticket, assignee, reason=""):
    """(status, text shown) of the workspace assign form posted by `lead`."""
    client.force_login(lead.user)
    url = reverse("tickets:assign", args=[ticket.pk])
    form = {"assignee": assignee.user.pk, "version": ticket.version}
    if reason:
        form["override_reason"] = reason
    response = client.post(url, form)
    return response.status_code, response.content.decode()


def assign_by_api(client, lead, ticket, assignee, reason=""):
    """(status, text of the answer) of the API's PATCH by `lead`."""
    api = APIClient()
    api.force_authenticate(lead.user)
    body = {"version": ticket.version, "assignee": assignee.user.pk}
    if reason:
        body["override_reason"] = reason
    response = api.patch(f"/api/v1/tickets/{ticket.pk}/", body, format="json")
    return response.status_code, response.content.decode()


def assign_by_service(client, lead, ticket, assignee, reason=""):
    """(status, message) of ticket_assign called directly, as the other paths do."""
    try:
        services.ticket_assign(
            ticket=ticket, by=lead.user, assignee=assignee.user, override_reason=reason
        )
    except PermissionDenied as exc:
        return 403, str(exc)
    return 200, ""


MANUAL = {"page": assign_by_page, "api": assign_by_api, "service": assign_by_service}
OK = {"page": 302, "api": 200, "service": 200}


@pytest.mark.parametrize("path", MANUAL)
@pytest.mark.parametrize("rule", RULES)
def test_manual_assignment_is_refused_with_the_reason(
    client, path, rule, team, lead, associate, unassigned
):
    apply_rule(rule, associate, team)
    status, text = MANUAL[path](client, lead, unassigned, associate)
    assert status == 403
    assert RULES[rule] in text
    unassigned.refresh_from_db()
    assert unassigned.assignee_id is None
    assert not TicketEvent.objects.filter(ticket=unassigned, kind="exposure_override").exists()


@pytest.mark.parametrize("path", MANUAL)
@pytest.mark.parametrize("rule", [r for r in RULES if r != "no clearance"])
def test_a_leads_override_with_a_reason_assigns_and_leaves_a_trail(
    client, path, rule, team, lead, associate, unassigned
):
    apply_rule(rule, associate, team)
    status, _ = MANUAL[path](client, lead, unassigned, associate, reason="Only Ana speaks Tagalog")
    assert status == OK[path]
    unassigned.refresh_from_db()
    assert unassigned.assignee_id == associate.user_id
    event = TicketEvent.objects.get(ticket=unassigned, kind="exposure_override")
    assert (event.actor_id, event.new) == (lead.user_id, "Only Ana speaks Tagalog")
    assert RULES[rule] in event.old
    audit = AuditEntry.objects.get(action=AuditEntry.Action.EXPOSURE_OVERRIDE)
    assert (audit.actor_id, audit.target_id) == (lead.user_id, str(unassigned.pk))
    assert audit.detail["reason"] == "Only Ana speaks Tagalog"
    assert audit.detail["assignee"] == associate.user_id
    notice = Notification.objects.get(user=associate.user, kind="exposure_override")
    assert notice.ticket_id == unassigned.pk
    assert "Only Ana speaks Tagalog" in notice.text


@pytest.mark.parametrize("path", MANUAL)
def test_no_override_hands_a_ticket_past_the_clearance(
    client, path, team, lead, associate, unassigned
):
    apply_rule("no clearance", associate, team)
    status, text = MANUAL[path](client, lead, unassigned, associate, reason="Please")
    assert status == 403
    assert "not cleared" in text
    unassigned.refresh_from_db()
    assert unassigned.assignee_id is None
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.EXPOSURE_OVERRIDE).exists()


@pytest.mark.parametrize("path", MANUAL)
@pytest.mark.parametrize("rule", ["stepped out", "shift cap reached"])
def test_an_associate_may_not_override(client, path, rule, team, associate, unassigned):
    peer = AgentFactory(team=team, clearance=Sensitivity.SENSITIVE)
    apply_rule(rule, associate, team)
    status, text = MANUAL[path](client, peer, unassigned, associate, reason="I say so")
    assert status == 403
    assert RULES[rule] in text
    unassigned.refresh_from_db()
    assert unassigned.assignee_id is None


@pytest.mark.parametrize("path", MANUAL)
def test_a_lead_without_a_reason_is_told_how_to_override(
    client, path, team, lead, associate, unassigned
):
    apply_rule("stepped out", associate, team)
    status, text = MANUAL[path](client, lead, unassigned, associate, reason="")
    assert status == 403
    assert "override reason" in text


def test_a_lead_of_another_team_may_not_override(team, associate, unassigned):
    elsewhere = AgentFactory(team=TeamFactory(), role=Role.LEAD, clearance=Sensitivity.RESTRICTED)
    apply_rule("stepped out", associate, team)
    status, text = assign_by_service(None, elsewhere, unassigned, associate, reason="Cover")
    assert status == 403
    assert "stepped out" in text


def test_plain_work_is_assigned_whatever_the_exposure(team, lead, associate, category):
    apply_rule("stepped out", associate, team)
    plain = TicketFactory(team=team, category=category, status=Ticket.Status.NEW)
    assert assign_by_service(None, lead, plain, associate) == (200, "")


@pytest.mark.parametrize("rule", RULES)
def test_auto_assign_skips_an_agent_the_rule_refuses(rule, team, associate, unassigned):
    team.work_mode = Team.WorkMode.PUSH
    team.save()
    apply_rule(rule, associate, team)
    # Both carry no load; the refused one comes first (lower pk) and is passed over.
    fresh = AgentFactory(team=team, presence=Presence.AVAILABLE, clearance=Sensitivity.SENSITIVE)
    assert associate.pk < fresh.pk
    assigned = services.ticket_auto_assign(ticket_id=unassigned.pk)
    assert assigned is not None
    assert assigned.assignee_id == fresh.user_id


@pytest.mark.parametrize("rule", RULES)
def test_auto_assign_leaves_the_ticket_when_the_rule_refuses_everyone(
    rule, team, associate, unassigned
):
    team.work_mode = Team.WorkMode.PUSH
    team.save()
    apply_rule(rule, associate, team)
    assert services.ticket_auto_assign(ticket_id=unassigned.pk) is None
    unassigned.refresh_from_db()
    assert unassigned.assignee_id is None


def test_the_decision_says_why(team, associate):
    assert exposure_decision(agent=associate, sensitivity=Sensitivity.SENSITIVE).allowed
    restricted = exposure_decision(agent=associate, sensitivity=Sensitivity.RESTRICTED)
    assert (restricted.allowed, restricted.overridable) == (False, False)
    assert restricted.reason == "not cleared for restricted tickets"
    now = timezone.now()
    hour = ExposureCap(0, now - timedelta(hours=1), now, name="hourly cap")
    capped = exposure_decision(
        agent=associate, sensitivity=Sensitivity.SENSITIVE, at=now, caps=[hour]
    )
    assert (capped.allowed, capped.overridable) == (False, True)
    assert capped.reason == "hourly cap reached (0 of 0)"
    exposure_opt_out(agent=associate)
    out = exposure_decision(agent=associate, sensitivity=Sensitivity.SENSITIVE)
    assert out.reason == "stepped out of sensitive work for the rest of their shift"
    assert exposure_decision(agent=associate, sensitivity=Sensitivity.NONE).allowed


def test_the_override_reason_field_is_shown_to_leads_only(
    client, team, lead, associate, unassigned
):
    url = reverse("tickets:detail", args=[unassigned.pk])
    client.force_login(lead.user)
    assert 'name="override_reason"' in client.get(url).content.decode()
    peer = AgentFactory(team=team, clearance=Sensitivity.SENSITIVE)
    client.force_login(peer.user)
    assert 'name="override_reason"' not in client.get(url).content.decode()


def test_the_teams_exposure_page_lists_each_override_with_its_reason(
    client, team, lead, associate, unassigned, sensitive
):
    apply_rule("stepped out", associate, team)
    services.ticket_assign(
        ticket=unassigned, by=lead.user, assignee=associate.user, override_reason="Ana asked"
    )
    other_team = TeamFactory()
    other_lead = AgentFactory(team=other_team, role=Role.LEAD, clearance=Sensitivity.RESTRICTED)
    other = AgentFactory(team=other_team, clearance=Sensitivity.SENSITIVE)
    exposure_opt_out(agent=other)
    services.ticket_assign(
        ticket=TicketFactory(team=other_team, category=sensitive, status=Ticket.Status.NEW),
        by=other_lead.user,
        assignee=other.user,
        override_reason="Elsewhere",
    )
    client.force_login(lead.user)
    page = client.get(reverse("teams:exposure", args=[team.slug])).content.decode()
    assert "Ana asked" in page
    assert "Ana Lima" in page
    assert unassigned.reference in page
    assert "stepped out" in page
    assert "Elsewhere" not in page
