"""Coaching: who sees which sessions and notes, logging, action items, pages."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from teams.models import ActionItem, Role, Vendor
from teams.permissions import coaching_sessions_visible_to, feedback_visible_to
from teams.services import action_item_set_done, coaching_session_create, feedback_note_create
from tests.factories import (
    AgentFactory,
    CoachingSessionFactory,
    FeedbackNoteFactory,
    TeamFactory,
    VendorFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def team():
    return TeamFactory()


@pytest.fixture
def lead(team):
    agent = AgentFactory(role=Role.LEAD, team=team)
    team.lead = agent.user
    team.save()
    return agent


@pytest.fixture
def associate(team):
    return AgentFactory(team=team)


def test_associates_see_their_own_leads_their_team_managers_all_under_them(team, lead, associate):
    colleague = AgentFactory(team=team)
    other_team = TeamFactory()
    stranger = AgentFactory(team=other_team)
    mine = CoachingSessionFactory(associate=associate, coach=lead.user)
    theirs = CoachingSessionFactory(associate=colleague, coach=lead.user)
    far = CoachingSessionFactory(associate=stranger)
    manager = AgentFactory(role=Role.MANAGER, team=None)
    team.manager = manager.user
    team.save()
    other_team.manager = manager.user
    other_team.save()
    assert set(coaching_sessions_visible_to(associate.user)) == {mine}
    assert set(coaching_sessions_visible_to(lead.user)) == {mine, theirs}
    assert set(coaching_sessions_visible_to(manager.user)) == {mine, theirs, far}
    assert not coaching_sessions_visible_to(
        AgentFactory(role=Role.QA_ANALYST, team=None).user
    ).exists()
    note = FeedbackNoteFactory(associate=colleague)
    assert not feedback_visible_to(associate.user).exists()
    assert list(feedback_visible_to(lead.user)) == [note]


def test_lead_logs_a_session_with_action_items_and_linked_tickets(lead, associate):
    session = coaching_session_create(
        by=lead.user,
        associate=associate,
        day=date(2026, 11, 25),
        agenda="Refund tone",
        ticket_ids=["42", 7, 42],
        action_items=[("Use the refund macro", date(2026, 12, 1)), ("  ", None)],
    )
    assert session.ticket_ids == [7, 42]
    assert session.team == associate.team
    assert list(session.items.values_list("text", flat=True)) == ["Use the refund macro"]
    with pytest.raises(ValidationError):
        coaching_session_create(
            by=lead.user, associate=associate, day=date(2026, 11, 25), ticket_ids=["x"]
        )


def test_nobody_coaches_outside_their_scope_or_themselves(lead, associate):
    other_lead = AgentFactory(role=Role.LEAD, team=TeamFactory())
    with pytest.raises(PermissionDenied):
        coaching_session_create(by=other_lead.user, associate=associate, day=date(2026, 11, 25))
    with pytest.raises(PermissionDenied):
        feedback_note_create(by=associate.user, associate=lead, kind="kudos", text="Nice")
    with pytest.raises(PermissionDenied):
        feedback_note_create(by=lead.user, associate=lead, kind="kudos", text="Me")


def test_associate_ticks_their_own_action_items_but_not_a_colleagues(lead, associate, team):
    session = CoachingSessionFactory(associate=associate, coach=lead.user)
    item = ActionItem.objects.create(session=session, text="Read the refund policy")
    action_item_set_done(by=associate.user, item=item, done=True)
    item.refresh_from_db()
    assert item.done
    assert item.done_at is not None
    colleague = AgentFactory(team=team)
    with pytest.raises(PermissionDenied):
        action_item_set_done(by=colleague.user, item=item, done=False)


def test_bpo_lead_cannot_coach_in_house_agents():
    bpo_team = TeamFactory(vendor=VendorFactory(kind=Vendor.Kind.BPO))
    bpo_lead = AgentFactory(role=Role.LEAD, team=bpo_team)
    bpo_team.lead = bpo_lead.user
    bpo_team.save()
    inhouse = AgentFactory(team=TeamFactory())
    with pytest.raises(PermissionDenied):
        feedback_note_create(by=bpo_lead.user, associate=inhouse, kind="kudos", text="Hi")


def test_pages_log_a_session_and_the_associate_sees_it_in_my_coaching(client, lead, associate):
    client.force_login(lead.user)
    assert client.get(reverse("teams:coaching")).status_code == 200
    response = client.post(
        reverse("teams:coaching_new"),
        {
            "associate": associate.pk,
            "date": "2026-11-25",
            "agenda": "Escalation paths",
            "notes": "Went well",
            "ticket_ids": "12, 15",
            "item_0": "Shadow a safety case",
            "due_0": "2026-12-02",
        },
    )
    assert response.status_code == 302
    bad = client.post(reverse("teams:coaching_new"), {"associate": associate.pk, "date": "x"})
    assert bad.status_code == 400
    response = client.post(
        reverse("teams:feedback_create"),
        {"associate": associate.pk, "kind": "kudos", "text": "Great save on #12", "ticket_id": 12},
    )
    assert response.status_code == 302
    client.force_login(associate.user)
    assert client.get(reverse("teams:coaching")).status_code == 302  # associates: own page
    page = client.get(reverse("teams:my_coaching")).content.decode()
    assert "Escalation paths" in page
    assert "Shadow a safety case" in page
    assert "Great save on #12" in page
    item = ActionItem.objects.get()
    client.post(reverse("teams:action_item_done", args=[item.pk]), {"done": "1", "next": "mine"})
    item.refresh_from_db()
    assert item.done


def test_a_colleague_cannot_open_someone_elses_session(client, lead, associate, team):
    session = CoachingSessionFactory(associate=associate, coach=lead.user)
    client.force_login(AgentFactory(team=team).user)
    assert client.get(reverse("teams:coaching_session", args=[session.pk])).status_code == 404
    client.force_login(associate.user)
    page = client.get(reverse("teams:coaching_session", args=[session.pk]))
    assert page.status_code == 200
    assert b"<h2>Edit</h2>" not in page.content
    assert (
        client.post(
            reverse("teams:coaching_session", args=[session.pk]), {"notes": "x"}
        ).status_code
        == 403
    )
