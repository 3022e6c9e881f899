"""Legal holds: retention and erasure leave held tickets and requesters alone until the hold
is released; only cleared leads, managers and admins place or release one; each is audited,
in the ticket's history and on its workspace."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError
from django.urls import reverse
from django.utils import timezone

from teams.models import AuditEntry, Role, Sensitivity
from tests.factories import AgentFactory, AttachmentFactory, CategoryFactory, TicketFactory
from tickets.models import Attachment, LegalHold, Requester, Ticket, TicketEvent
from tickets.services import (
    legal_hold_place,
    legal_hold_release,
    requester_erase,
    retention_run,
)
from tickets.services.privacy import tombstone_email

T0 = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


@pytest.fixture
def admin(db):
    return AgentFactory(role=Role.ADMIN, team=None).user


@pytest.fixture
def evidence(settings, tmp_path, team, restricted):
    """A closed child-safety ticket with an attachment (and its preview), closed on T0."""
    settings.MEDIA_ROOT = tmp_path
    with time_machine.travel(T0, tick=False):
        ticket = TicketFactory(
            team=team, category=restricted, status=Ticket.Status.CLOSED, closed_at=timezone.now()
        )
        attachment = AttachmentFactory(ticket=ticket)
        attachment.preview.save("preview.png", ContentFile(b"pixels"))
    return ticket


def _retention(settings, **days):
    settings.FRONTLINE = {
        **settings.FRONTLINE,
        "RETENTION_SENSITIVE_ATTACHMENT_DAYS": days.get("attachments", 0),
        "RETENTION_ANONYMISE_DAYS": days.get("anonymise", 0),
    }


# --- retention --------------------------------------------------------------------------------


def test_retention_keeps_a_held_tickets_attachments_until_released(settings, evidence, lead):
    _retention(settings, attachments=30)
    path = Path(evidence.attachments.get().file.path)
    hold = legal_hold_place(by=lead.user, reason="Police request 2026/114", ticket=evidence)
    with time_machine.travel(T0 + timedelta(days=31), tick=False):
        assert retention_run().attachments == 0
    assert path.exists()
    assert evidence.attachments.count() == 1
    legal_hold_release(hold=hold, by=lead.user)
    with time_machine.travel(T0 + timedelta(days=32), tick=False):
        result = retention_run()
    assert (result.attachments, result.files) == (1, 2)
    assert not path.exists()


def test_retention_keeps_the_tickets_of_a_held_requester(settings, evidence, lead, team):
    _retention(settings, attachments=30, anonymise=30)
    requester = evidence.requester
    other = TicketFactory(team=team, category=evidence.category, requester=requester)
    Ticket.objects.filter(pk=other.pk).update(status=Ticket.Status.CLOSED, closed_at=T0)
    unrelated = TicketFactory(team=team, category=evidence.category)
    Ticket.objects.filter(pk=unrelated.pk).update(status=Ticket.Status.CLOSED, closed_at=T0)
    hold = legal_hold_place(by=lead.user, reason="Litigation", requester=requester)
    with time_machine.travel(T0 + timedelta(days=31), tick=False):
        result = retention_run()
    assert result.requesters == 1  # the unrelated ticket's requester only
    assert Requester.objects.get(pk=requester.pk).email == requester.email
    assert Attachment.objects.filter(ticket=evidence).count() == 1
    assert Ticket.objects.get(pk=unrelated.pk).requester.email.startswith("erased-requester-")
    legal_hold_release(hold=hold, by=lead.user)
    with time_machine.travel(T0 + timedelta(days=32), tick=False):
        result = retention_run()
    assert result.requesters == 1
    assert Requester.objects.get(pk=requester.pk).email == tombstone_email(requester.pk)
    assert not Attachment.objects.filter(ticket=evidence).exists()


def test_retention_does_not_anonymise_a_requester_with_a_held_ticket(settings, evidence, lead):
    _retention(settings, anonymise=30)
    legal_hold_place(by=lead.user, reason="Evidence", ticket=evidence)
    with time_machine.travel(T0 + timedelta(days=31), tick=False):
        assert retention_run().requesters == 0
    evidence.refresh_from_db()
    assert evidence.requester.email != tombstone_email(evidence.requester_id)
    assert evidence.subject != "[erased]"


# --- erasure ----------------------------------------------------------------------------------


@pytest.mark.parametrize("on", ["ticket", "requester"])
def test_erasure_is_refused_while_held_and_proceeds_after_release(evidence, lead, admin, on):
    target = {"ticket": evidence} if on == "ticket" else {"requester": evidence.requester}
    hold = legal_hold_place(by=lead.user, reason="Court order", **target)
    with pytest.raises(ValidationError, match="legal hold placed by"):
        requester_erase(requester=evidence.requester, by=admin, reason="DSR-1")
    assert Requester.objects.get(pk=evidence.requester_id).email == evidence.requester.email
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.REQUESTER_ERASE).exists()
    legal_hold_release(hold=hold, by=lead.user)
    counts = requester_erase(requester=evidence.requester, by=admin, reason="DSR-1")
    assert counts.attachments == 1
    assert Requester.objects.get(pk=evidence.requester_id).email == tombstone_email(
        evidence.requester_id
    )


def test_admin_erase_page_shows_the_refusal_not_a_500(client, evidence, lead, admin):
    legal_hold_place(by=lead.user, reason="Court order", ticket=evidence)
    client.force_login(admin)
    requester = evidence.requester
    response = client.post(
        reverse("admin:tickets_requester_erase", args=[requester.pk]),
        {"reason": "DSR-2", "confirm_email": requester.email},
    )
    assert response.status_code == 400  # the form again, with the refusal
    assert "legal hold" in response.content.decode()
    assert Requester.objects.get(pk=requester.pk).email == requester.email


# --- who may, audit, history --------------------------------------------------------------------


def test_associates_and_uncleared_leads_may_not_hold(evidence, agent, team):
    with pytest.raises(PermissionDenied):
        legal_hold_place(by=agent.user, reason="x", ticket=evidence)
    uncleared = AgentFactory(team=team, role=Role.LEAD, clearance=Sensitivity.SENSITIVE)
    with pytest.raises(PermissionDenied):
        legal_hold_place(by=uncleared.user, reason="x", ticket=evidence)
    with pytest.raises(PermissionDenied):  # a ticket of theirs is restricted
        legal_hold_place(by=uncleared.user, reason="x", requester=evidence.requester)
    other_team_lead = AgentFactory(role=Role.LEAD, clearance=Sensitivity.RESTRICTED)
    with pytest.raises(PermissionDenied):
        legal_hold_place(by=other_team_lead.user, reason="x", ticket=evidence)
    assert not LegalHold.objects.exists()


def test_release_needs_a_cleared_lead_too(evidence, lead, agent, team):
    hold = legal_hold_place(by=lead.user, reason="Evidence", ticket=evidence)
    uncleared = AgentFactory(team=team, role=Role.LEAD, clearance=Sensitivity.SENSITIVE)
    for who in (agent.user, uncleared.user):
        with pytest.raises(PermissionDenied):
            legal_hold_release(hold=hold, by=who)
    assert LegalHold.objects.get().in_force


def test_a_hold_needs_a_reason_one_target_and_only_one_in_force(evidence, lead, manager):
    with pytest.raises(ValidationError):
        legal_hold_place(by=lead.user, reason="  ", ticket=evidence)
    with pytest.raises(ValidationError):
        legal_hold_place(by=lead.user, reason="x", ticket=evidence, requester=evidence.requester)
    with pytest.raises(ValidationError):
        legal_hold_place(by=lead.user, reason="x")
    manager.clearance = Sensitivity.RESTRICTED
    manager.save()
    hold = legal_hold_place(by=manager.user, reason="Regulator", ticket=evidence)
    with pytest.raises(ValidationError, match="already in force"):
        legal_hold_place(by=lead.user, reason="again", ticket=evidence)
    legal_hold_release(hold=hold, by=lead.user)
    with pytest.raises(ValidationError, match="already released"):
        legal_hold_release(hold=hold, by=lead.user)
    assert legal_hold_place(by=lead.user, reason="again", ticket=evidence).in_force


def test_the_database_refuses_a_hold_on_both_or_neither(evidence, lead):
    with pytest.raises(IntegrityError):
        LegalHold.objects.create(
            ticket=evidence,
            requester=evidence.requester,
            owner=lead.user,
            reason="x",
            placed_at=timezone.now(),
        )


def test_place_and_release_are_audited_and_in_the_tickets_history(evidence, lead):
    hold = legal_hold_place(by=lead.user, reason="Police request 2026/114", ticket=evidence)
    legal_hold_release(hold=hold, by=lead.user)
    entries = AuditEntry.objects.filter(target_type="tickets.ticket", target_id=str(evidence.pk))
    assert [(e.action, e.actor, e.detail) for e in entries.order_by("pk")] == [
        (AuditEntry.Action.LEGAL_HOLD_PLACE, lead.user, {"hold": hold.pk}),
        (AuditEntry.Action.LEGAL_HOLD_RELEASE, lead.user, {"hold": hold.pk}),
    ]
    history = TicketEvent.objects.filter(ticket=evidence, kind="legal_hold").order_by("pk")
    assert [(e.actor, e.old, e.new) for e in history] == [
        (lead.user, "", "placed"),
        (lead.user, "placed", "released"),
    ]
    hold.refresh_from_db()
    assert (hold.released_by, hold.in_force) == (lead.user, False)
    assert LegalHold.objects.in_force().count() == 0


def test_a_requester_hold_is_audited_against_the_requester(evidence, lead):
    hold = legal_hold_place(by=lead.user, reason="Litigation", requester=evidence.requester)
    entry = AuditEntry.objects.get(action=AuditEntry.Action.LEGAL_HOLD_PLACE)
    assert (entry.target_type, entry.target_id) == ("tickets.requester", str(hold.requester_id))
    assert "Litigation" not in str(entry.detail)  # free text stays on the hold row


# --- the workspace ------------------------------------------------------------------------------


def _url(name, ticket):
    return reverse(f"tickets:{name}", args=[ticket.pk])


def test_a_cleared_lead_places_and_releases_from_the_workspace(client, evidence, lead):
    client.force_login(lead.user)
    page = client.get(_url("detail", evidence)).content.decode()
    assert "Place a legal hold" in page
    assert "No legal hold." in page
    response = client.post(
        _url("legal_hold", evidence), {"action": "place", "on": "ticket", "reason": "Evidence 7"}
    )
    assert response.status_code == 302
    hold = LegalHold.objects.in_force().get(ticket=evidence)
    page = client.get(_url("detail", evidence)).content.decode()
    assert "Evidence 7" in page
    assert "Release hold" in page
    assert lead.user.get_full_name() in page or lead.user.username in page
    assert hold.placed_at.strftime("%b") in page
    response = client.post(_url("legal_hold", evidence), {"action": "release", "hold": hold.pk})
    assert response.status_code == 302
    assert not LegalHold.objects.in_force().exists()


def test_the_workspace_shows_a_hold_on_the_requester(client, evidence, lead):
    legal_hold_place(by=lead.user, reason="Litigation 9", requester=evidence.requester)
    client.force_login(lead.user)
    page = client.get(_url("detail", evidence)).content.decode()
    assert "Litigation 9" in page
    assert "every ticket of this requester" in page


def test_an_associate_is_refused_403_and_sees_no_hold_controls(client, evidence, lead, team):
    ticket = TicketFactory(team=team, category=CategoryFactory(slug="billing"))
    associate = AgentFactory(team=team)
    client.force_login(associate.user)
    assert "Legal hold" not in client.get(_url("detail", ticket)).content.decode()
    response = client.post(
        _url("legal_hold", ticket), {"action": "place", "on": "ticket", "reason": "x"}
    )
    assert response.status_code == 403
    assert not LegalHold.objects.exists()


def test_a_refusal_answers_4xx_with_the_reason(client, evidence, lead):
    client.force_login(lead.user)
    empty = client.post(_url("legal_hold", evidence), {"action": "place", "reason": " "})
    assert empty.status_code == 422
    assert "Give a reason" in empty.content.decode()
    missing = client.post(_url("legal_hold", evidence), {"action": "release", "hold": 999})
    assert missing.status_code == 422
    assert "No legal hold in force" in missing.content.decode()


def test_the_hold_read_costs_no_query_on_an_unheld_ticket(client, lead, evidence, count_queries):
    client.force_login(lead.user)
    client.get(_url("detail", evidence))
    _, sql = count_queries(lambda: client.get(_url("detail", evidence)))
    assert not [q for q in sql if "tickets_legalhold" in q and "EXISTS" not in q]
