from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from teams.models import Sensitivity
from tests.factories import AgentFactory, CategoryFactory, TeamFactory, UserFactory, png_bytes
from tickets import services
from tickets.models import Message, Tag, Ticket, TicketEvent, TicketLink

S = Ticket.Status
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def make(requester, category, team, subject="Can't log in", body="It says wrong password."):
    return services.ticket_create(
        subject=subject, body=body, requester=requester, category=category, team=team
    )


def kinds(ticket):
    return list(TicketEvent.objects.filter(ticket=ticket).values_list("kind", flat=True))


@pytest.fixture
def ticket(requester, category, team):
    with time_machine.travel(NOW, tick=False):
        return make(requester, category, team)


def test_create_starts_the_first_reply_clock_and_logs(ticket, requester):
    assert ticket.status == S.NEW
    assert ticket.due_at == NOW + timedelta(hours=8)  # normal priority default
    assert ticket.messages.get().author_requester == requester
    assert kinds(ticket) == ["created"]


@time_machine.travel(NOW + timedelta(hours=1), tick=False)
def test_reply_opens_assigns_stops_clock_and_emails(
    ticket, agent, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        message = services.ticket_reply(ticket=ticket, by=agent.user, body="Try **this** link.")
    ticket.refresh_from_db()
    assert message.is_public
    assert "<strong>this</strong>" in message.body_html
    assert ticket.status == S.OPEN
    assert ticket.assignee == agent.user
    assert ticket.first_reply_at == NOW + timedelta(hours=1)
    assert ticket.due_at is None
    assert ticket.version == 2
    assert kinds(ticket) == ["created", "reply", "status", "assign"]
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["maya@users.example.org"]
    assert f"[{ticket.reference}]" in mail.outbox[0].subject


def test_reply_with_status_solves_in_one_step(ticket, agent):
    services.ticket_reply(ticket=ticket, by=agent.user, body="Done.", status=S.SOLVED)
    ticket.refresh_from_db()
    assert ticket.status == S.SOLVED
    assert ticket.solved_at is not None


def test_reply_with_illegal_status_changes_nothing(ticket, agent):
    services.ticket_change_status(ticket=ticket, by=agent.user, status=S.SOLVED)
    services.ticket_change_status(ticket=ticket, by=agent.user, status=S.CLOSED)
    with pytest.raises(services.TransitionError):
        services.ticket_reply(ticket=ticket, by=agent.user, body="Hello?")
    assert ticket.messages.count() == 1
    assert mail.outbox == []


def test_empty_reply_is_refused(ticket, agent):
    with pytest.raises(ValidationError):
        services.ticket_reply(ticket=ticket, by=agent.user, body="   ")


def test_note_is_internal_and_never_emailed_or_stops_clock(ticket, agent):
    note = services.ticket_add_note(ticket=ticket, by=agent.user, body="Checked logs")
    ticket.refresh_from_db()
    assert note.kind == Message.Kind.INTERNAL
    assert ticket.first_reply_at is None
    assert ticket.due_at is not None
    assert mail.outbox == []
    assert kinds(ticket)[-1] == "note"


def test_stale_version_refuses_and_carries_current_ticket(ticket, agent, other_agent):
    seen = ticket.version
    services.ticket_update(ticket=ticket, by=other_agent.user, version=seen, priority=3)
    with pytest.raises(services.StaleVersionError) as err:
        services.ticket_update(ticket=ticket, by=agent.user, version=seen, priority=1)
    assert err.value.ticket.priority == 3
    assert err.value.ticket.version == seen + 1
    ticket.refresh_from_db()
    assert ticket.priority == 3


def test_stale_version_also_guards_replies(ticket, agent):
    with pytest.raises(services.StaleVersionError):
        services.ticket_reply(ticket=ticket, by=agent.user, body="hi", version=ticket.version - 1)
    assert ticket.messages.count() == 1


def test_assign_checks_clearance(requester, restricted, team, agent, lead):
    ticket = make(requester, restricted, team)
    with pytest.raises(PermissionDenied, match="not cleared"):
        services.ticket_assign(ticket=ticket, by=lead.user, assignee=agent.user)
    services.ticket_assign(ticket=ticket, by=lead.user, assignee=lead.user)
    ticket.refresh_from_db()
    assert ticket.assignee == lead.user
    event = TicketEvent.objects.get(ticket=ticket, kind="assign")
    assert event.new == str(lead.user.pk)


def test_assign_refuses_non_agents_and_unassign_works(ticket, agent, lead):
    with pytest.raises(PermissionDenied):
        services.ticket_assign(ticket=ticket, by=lead.user, assignee=UserFactory())
    services.ticket_assign(ticket=ticket, by=lead.user, assignee=agent.user)
    services.ticket_assign(ticket=ticket, by=lead.user, assignee=None)
    ticket.refresh_from_db()
    assert ticket.assignee is None


def test_update_fields_log_each_change_and_validate(ticket, agent):
    billing = CategoryFactory(slug="billing", name="Billing")
    services.ticket_update(
        ticket=ticket, by=agent.user, subject="  Locked   out ", category=billing, priority=4,
        custom_fields={"app_version": "24.11", "platform": "ios"},
    )  # fmt: skip
    ticket.refresh_from_db()
    assert (ticket.subject, ticket.category, ticket.priority) == ("Locked out", billing, 4)
    fields = set(TicketEvent.objects.filter(kind="update").values_list("field", flat=True))
    assert fields == {"subject", "category", "priority", "custom_fields"}
    with pytest.raises(ValidationError):
        services.ticket_update(ticket=ticket, by=agent.user, custom_fields={"a": {"nested": 1}})
    with pytest.raises(ValidationError):
        services.ticket_update(ticket=ticket, by=agent.user, status="solved")
    with pytest.raises(ValidationError):
        services.ticket_update(ticket=ticket, by=agent.user, priority=9)


def test_update_category_refuses_when_assignee_not_cleared(ticket, agent, sensitive):
    services.ticket_assign(ticket=ticket, by=agent.user, assignee=agent.user)
    with pytest.raises(PermissionDenied):
        services.ticket_update(ticket=ticket, by=agent.user, category=sensitive)


def test_tag_and_untag(ticket, agent):
    assert services.ticket_tag(ticket=ticket, by=agent.user, names=["Refund", "refund", "vip"]) == [
        "refund",
        "vip",
    ]
    assert services.ticket_tag(ticket=ticket, by=agent.user, names=["vip"]) == []
    assert services.ticket_untag(ticket=ticket, by=agent.user, names=["vip", "nope"]) == ["vip"]
    assert list(ticket.tags.values_list("name", flat=True)) == ["refund"]
    assert kinds(ticket).count("tag") == 2
    assert kinds(ticket).count("untag") == 1


def test_requester_reply_to_solved_reopens(ticket, agent, requester):
    services.ticket_reply(ticket=ticket, by=agent.user, body="Fixed", status=S.SOLVED)
    t, msg = services.ticket_requester_reply(
        ticket=ticket, requester=requester, body_html="<p>Still broken</p>"
    )
    assert t.pk == ticket.pk
    assert t.status == S.OPEN
    assert t.reopen_count == 1
    assert t.due_at is not None
    assert msg.author_requester == requester


def test_requester_reply_to_pending_opens_without_counting_a_reopen(ticket, agent, requester):
    services.ticket_reply(ticket=ticket, by=agent.user, body="Which phone?", status=S.PENDING)
    t, _ = services.ticket_requester_reply(ticket=ticket, requester=requester, body_html="iPhone")
    assert t.status == S.OPEN
    assert t.reopen_count == 0


def test_requester_reply_to_closed_creates_linked_follow_up(ticket, agent, requester):
    services.ticket_reply(ticket=ticket, by=agent.user, body="Fixed", status=S.SOLVED)
    services.ticket_change_status(ticket=ticket, by=agent.user, status=S.CLOSED)
    follow_up, msg = services.ticket_requester_reply(
        ticket=ticket, requester=requester, body_html="<p>It broke again</p>"
    )
    assert follow_up.pk != ticket.pk
    assert follow_up.status == S.NEW
    assert follow_up.team == ticket.team
    assert msg.ticket == follow_up
    assert "broke again" in msg.body_text
    assert TicketLink.objects.get(source=follow_up).target == ticket
    ticket.refresh_from_db()
    assert ticket.status == S.CLOSED
    assert ticket.messages.count() == 2


def test_requester_html_is_sanitized(ticket, requester):
    _, msg = services.ticket_requester_reply(
        ticket=ticket, requester=requester, body_html='<p onclick="x()">hi<script>x()</script></p>'
    )
    assert msg.body_html == "<p>hi</p>"


def test_merge_moves_messages_and_tags_and_closes_source(requester, category, team, agent):
    target = make(requester, category, team, subject="Login broken")
    source = make(requester, category, team, subject="Still can't log in")
    services.ticket_tag(ticket=source, by=agent.user, names=["vip"])
    result = services.ticket_merge(source=source, target=target, by=agent.user)
    source.refresh_from_db()
    assert result.pk == target.pk
    assert source.status == S.CLOSED
    assert TicketLink.objects.get(source=source, kind=TicketLink.Kind.MERGE).target == target
    assert target.messages.filter(kind="public").count() == 2
    assert list(target.tags.values_list("name", flat=True)) == ["vip"]
    assert source.messages.get().body_text == f"Merged into {target.reference}."
    assert "merge" in kinds(source)
    assert "merge" in kinds(target)


def test_merge_refuses_self_and_closed(ticket, agent, requester, category, team):
    with pytest.raises(ValidationError):
        services.ticket_merge(source=ticket, target=ticket, by=agent.user)
    other = make(requester, category, team)
    services.ticket_change_status(ticket=other, by=agent.user, status=S.SOLVED)
    services.ticket_change_status(ticket=other, by=agent.user, status=S.CLOSED)
    with pytest.raises(services.TransitionError):
        services.ticket_merge(source=ticket, target=other, by=agent.user)


def test_restricted_views_and_media_reveals_are_logged(requester, restricted, category, team, lead):
    t = make(requester, restricted, team)
    assert services.ticket_record_view(ticket=t, by=lead.user) is True
    plain = make(requester, category, team)
    assert services.ticket_record_view(ticket=plain, by=lead.user) is False
    att = services.attachment_add(ticket=t, message=None, name="a.png", data=PNG)
    services.attachment_reveal(attachment=att, by=lead.user)
    assert kinds(t) == ["created", "viewed", "attachment", "media_revealed"]


PNG = png_bytes()


def test_attachment_type_is_sniffed_not_trusted(ticket, settings):
    att = services.attachment_add(ticket=ticket, message=None, name="photo.pdf", data=PNG)
    assert att.content_type == "image/png"
    assert len(att.sha256) == 64
    assert att.size == len(PNG)
    with pytest.raises(ValidationError, match="not accepted"):
        services.attachment_add(ticket=ticket, message=None, name="x.txt", data=b"MZ\x90\x00\x03")
    with pytest.raises(ValidationError, match="not accepted"):
        services.attachment_add(ticket=ticket, message=None, name="a.svg", data=b"<svg onload=x>")
    settings.FRONTLINE = {**settings.FRONTLINE, "ATTACHMENT_MAX_BYTES": 10}
    with pytest.raises(ValidationError, match="limit"):
        services.attachment_add(ticket=ticket, message=None, name="a.png", data=PNG)


def test_reply_with_refused_file_rolls_back_the_reply(
    ticket, agent, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError):
        services.ticket_reply(
            ticket=ticket, by=agent.user, body="see file", files=[("evil.exe", b"MZ\x00\x01")]
        )
    assert ticket.messages.count() == 1
    assert mail.outbox == []


def test_unrelated_team_agent_assign_clearance_uses_agent_profile(db, requester, sensitive):
    team = TeamFactory()
    cleared = AgentFactory(team=team, clearance=Sensitivity.SENSITIVE)
    t = make(requester, sensitive, team)
    services.ticket_assign(ticket=t, by=cleared.user, assignee=cleared.user)
    assert Ticket.objects.get(pk=t.pk).assignee == cleared.user
    assert Tag.objects.count() == 0
