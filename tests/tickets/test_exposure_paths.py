"""Issue 17: every assignment path asks the one exposure rule. Each path (get-next, push
auto-assign, a lead's assignment, a reply taking an unassigned ticket, a reopen by the
requester or by a status change, a follow-up to a closed ticket, a merge) × each rule (cap
reached per hour, shift or 7 days; the cool-down; no consent to the ticket's kind; stepped out;
no clearance): the associate is not handed the ticket, with the rule's reason where a person
reads one — or, where a person decides (assignment, merge), a lead's recorded override hands
it anyway (never past a missing clearance or consent). With no rule in force, every path hands
the ticket over: the test can fail."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from rest_framework.test import APIClient

from teams.models import AuditEntry, ExposureKind, Presence, Sensitivity, Team
from teams.services import exposure_consent_set, exposure_opt_out, exposure_record, exposure_work
from tests.factories import AgentFactory, CategoryFactory, TicketFactory
from tickets import services
from tickets.models import TeamServiceSettings, Ticket, TicketEvent

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)  # a Wednesday, noon UTC

# rule -> what the refusal says
RULES = {
    "hourly cap reached": "hourly cap reached",
    "shift cap reached": "shift cap reached",
    "weekly cap reached": "weekly cap reached",
    "cool-down": "cool-down after a sensitive ticket",
    "no consent for the kind": "not opted in to self-harm and suicide work",
    "stepped out": "stepped out",
    "no clearance": "not cleared",
}
# A lead may override these with a reason; never a missing clearance or consent.
OVERRIDABLE = [r for r in RULES if r not in ("no clearance", "no consent for the kind")]


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def self_harm(db):
    return CategoryFactory(
        slug="self-harm",
        name="Self-harm report",
        sensitivity=Sensitivity.SENSITIVE,
        exposure_kind=ExposureKind.SELF_HARM,
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


def handled(agent, team, *, ago: timedelta) -> None:
    """The associate handled another sensitive ticket `ago` (solved since: no load)."""
    other = TicketFactory(team=team, status=Ticket.Status.SOLVED, assignee=agent.user)
    exposure_record(
        user=agent.user, ticket_id=other.pk, sensitivity=Sensitivity.SENSITIVE, at=NOW - ago
    )


def apply_rule(rule: str, agent, team) -> None:
    """Put the associate where `rule` refuses them the self-harm ticket now."""
    if rule == "hourly cap reached":
        TeamServiceSettings.objects.create(team=team, exposure_cap_per_hour=1)
        handled(agent, team, ago=timedelta(minutes=20))
    elif rule == "shift cap reached":
        Team.objects.filter(pk=team.pk).update(exposure_cap_per_shift=1)
        handled(agent, team, ago=timedelta(hours=2))
    elif rule == "weekly cap reached":
        Team.objects.filter(pk=team.pk).update(exposure_cap_per_week=1)
        handled(agent, team, ago=timedelta(days=3))
    elif rule == "cool-down":
        Team.objects.filter(pk=team.pk).update(exposure_cool_down_minutes=30)
        handled(agent, team, ago=timedelta(hours=1))
        # ... and worked it until ten minutes ago: the cool-down counts from there.
        other = TicketFactory(team=team, status=Ticket.Status.SOLVED)
        exposure_record(
            user=agent.user,
            ticket_id=other.pk,
            sensitivity=Sensitivity.SENSITIVE,
            at=NOW - timedelta(minutes=40),
        )
        exposure_work(
            user=agent.user,
            ticket_id=other.pk,
            sensitivity=Sensitivity.SENSITIVE,
            seconds=1800,
            at=NOW - timedelta(minutes=10),
        )
    elif rule == "no consent for the kind":
        exposure_consent_set(agent=agent, kinds=set(ExposureKind.values) - {"self_harm"})
    elif rule == "stepped out":
        exposure_opt_out(agent=agent)
    elif rule == "no clearance":
        agent.clearance = Sensitivity.NONE
        agent.save()
    team.refresh_from_db()
    agent.refresh_from_db()


# ------------------------------------------------------------------------------ the paths
# Each takes (associate, lead, team, category, override reason) and returns (handed to the
# associate?, the text a person reads — "" where nobody reads one).


def by_get_next(associate, lead, team, category, reason):
    ticket = TicketFactory(team=team, category=category, status=Ticket.Status.NEW)
    try:
        got = services.ticket_claim_next(agent=associate)
    except services.ClaimRefused as exc:
        return False, str(exc)
    return got is not None and got.pk == ticket.pk, ""


def by_push(associate, lead, team, category, reason):
    Team.objects.filter(pk=team.pk).update(work_mode=Team.WorkMode.PUSH)
    ticket = TicketFactory(team=team, category=category, status=Ticket.Status.NEW)
    services.ticket_auto_assign(ticket_id=ticket.pk)
    ticket.refresh_from_db()
    return ticket.assignee_id == associate.user_id, ""


def by_lead(associate, lead, team, category, reason):
    ticket = TicketFactory(team=team, category=category, status=Ticket.Status.NEW)
    try:
        services.ticket_assign(
            ticket=ticket, by=lead.user, assignee=associate.user, override_reason=reason
        )
    except PermissionDenied as exc:
        return False, str(exc)
    ticket.refresh_from_db()
    return ticket.assignee_id == associate.user_id, ""


def by_reply(associate, lead, team, category, reason):
    ticket = TicketFactory(team=team, category=category, status=Ticket.Status.NEW)
    try:
        services.ticket_reply(ticket=ticket, by=associate.user, body="I can help with this.")
    except PermissionDenied as exc:
        assert not ticket.messages.exists()
        return False, str(exc)
    ticket.refresh_from_db()
    return ticket.assignee_id == associate.user_id, ""


def _solved(team, category, associate):
    return TicketFactory(
        team=team,
        category=category,
        status=Ticket.Status.SOLVED,
        solved_at=NOW - timedelta(days=1),
        assignee=associate.user,
    )


def _returned_reason(ticket) -> str:
    event = TicketEvent.objects.filter(ticket=ticket, kind="exposure_returned").first()
    return event.new if event else ""


def by_requester_reopening(associate, lead, team, category, reason):
    ticket = _solved(team, category, associate)
    services.ticket_requester_reply(
        ticket=ticket, requester=ticket.requester, body_html="<p>It happened again.</p>"
    )
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.OPEN
    return ticket.assignee_id == associate.user_id, _returned_reason(ticket)


def by_status_reopening(associate, lead, team, category, reason):
    ticket = _solved(team, category, associate)
    services.ticket_change_status(ticket=ticket, by=lead.user, status=Ticket.Status.OPEN)
    ticket.refresh_from_db()
    return ticket.assignee_id == associate.user_id, _returned_reason(ticket)


def by_follow_up(associate, lead, team, category, reason):
    Team.objects.filter(pk=team.pk).update(work_mode=Team.WorkMode.PUSH)
    closed = _solved(team, category, associate)
    Ticket.objects.filter(pk=closed.pk).update(status=Ticket.Status.CLOSED, closed_at=NOW)
    closed.refresh_from_db()
    follow_up, _ = services.ticket_requester_reply(
        ticket=closed, requester=closed.requester, body_html="<p>Me again.</p>"
    )
    assert follow_up.pk != closed.pk
    services.ticket_auto_assign(ticket_id=follow_up.pk)  # as the outbox does after commit
    follow_up.refresh_from_db()
    return follow_up.assignee_id == associate.user_id, ""


def by_merge(associate, lead, team, category, reason):
    plain = CategoryFactory(slug="account-access", name="Account access")
    target = TicketFactory(
        team=team, category=plain, status=Ticket.Status.OPEN, assignee=associate.user
    )
    source = TicketFactory(team=team, category=category, status=Ticket.Status.NEW)
    try:
        services.ticket_merge(source=source, target=target, by=lead.user, override_reason=reason)
    except PermissionDenied as exc:
        source.refresh_from_db()
        assert source.status == Ticket.Status.NEW  # nothing merged
        return False, str(exc)
    source.refresh_from_db()
    return source.status == Ticket.Status.CLOSED, ""


PATHS = {
    "get-next": by_get_next,
    "push auto-assign": by_push,
    "lead assigns": by_lead,
    "reply takes it": by_reply,
    "requester reopens": by_requester_reopening,
    "status reopens": by_status_reopening,
    "follow-up": by_follow_up,
    "merge": by_merge,
}
# Where a refusal has words a person reads: the path's text shows the rule's reason. Get-next
# says why only when sensitive work is held back (caps, cool-down, step-out); a ticket outside
# the clearance or consent is simply never among those it may hand out.
SAYS_WHY = {"lead assigns", "reply takes it", "requester reopens", "status reopens", "merge"}
HELD_BACK = ["hourly cap reached", "shift cap reached", "weekly cap reached", "stepped out"]


@pytest.mark.parametrize("path", PATHS)
def test_every_path_hands_over_the_ticket_when_no_rule_refuses(
    path, team, lead, associate, self_harm
):
    handed, _ = PATHS[path](associate, lead, team, self_harm, "")
    assert handed


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("rule", RULES)
def test_every_path_refuses_under_every_rule(path, rule, team, lead, associate, self_harm):
    apply_rule(rule, associate, team)
    handed, text = PATHS[path](associate, lead, team, self_harm, "")
    assert not handed
    if path in SAYS_WHY:
        assert RULES[rule] in text
    if path == "get-next" and rule in HELD_BACK:
        assert "sensitive-work cap (or stepped out of it)" in text
    if path == "get-next" and rule == "cool-down":
        assert "cool-down after a sensitive ticket (30 more minutes)" not in text
        assert "cool-down after a sensitive ticket (20 more minutes)" in text
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.EXPOSURE_OVERRIDE).exists()


OVERRIDE_PATHS = {"lead assigns": by_lead, "merge": by_merge}


@pytest.mark.parametrize("path", OVERRIDE_PATHS)
@pytest.mark.parametrize("rule", OVERRIDABLE)
def test_a_leads_recorded_override_hands_it_over(path, rule, team, lead, associate, self_harm):
    apply_rule(rule, associate, team)
    handed, _ = OVERRIDE_PATHS[path](associate, lead, team, self_harm, "Ana asked for this one")
    assert handed
    event = TicketEvent.objects.get(kind="exposure_override")
    assert (event.actor_id, event.new) == (lead.user_id, "Ana asked for this one")
    assert RULES[rule] in event.old
    audit = AuditEntry.objects.get(action=AuditEntry.Action.EXPOSURE_OVERRIDE)
    assert audit.detail["assignee"] == associate.user_id
    assert associate.user.notifications.filter(kind="exposure_override").exists()


@pytest.mark.parametrize("path", OVERRIDE_PATHS)
@pytest.mark.parametrize("rule", ["no clearance", "no consent for the kind"])
def test_no_override_passes_a_missing_clearance_or_consent(
    path, rule, team, lead, associate, self_harm
):
    apply_rule(rule, associate, team)
    handed, text = OVERRIDE_PATHS[path](associate, lead, team, self_harm, "Please")
    assert not handed
    assert RULES[rule] in text
    assert not TicketEvent.objects.filter(kind="exposure_override").exists()


def test_a_reopened_ticket_refused_to_its_assignee_goes_to_the_push_queue(
    team, lead, associate, self_harm
):
    Team.objects.filter(pk=team.pk).update(work_mode=Team.WorkMode.PUSH)
    colleague = AgentFactory(
        team=team, presence=Presence.AVAILABLE, clearance=Sensitivity.SENSITIVE
    )
    apply_rule("stepped out", associate, team)
    ticket = _solved(team, self_harm, associate)
    services.ticket_requester_reply(
        ticket=ticket, requester=ticket.requester, body_html="<p>Again.</p>"
    )
    services.ticket_auto_assign(ticket_id=ticket.pk)  # the outbox's job after commit
    ticket.refresh_from_db()
    assert ticket.assignee_id == colleague.user_id


def test_merging_work_of_a_kind_the_assignee_holds_already_needs_no_new_decision(
    team, lead, associate, self_harm
):
    Team.objects.filter(pk=team.pk).update(exposure_cap_per_shift=0)
    target = TicketFactory(
        team=team, category=self_harm, status=Ticket.Status.OPEN, assignee=associate.user
    )
    source = TicketFactory(team=team, category=self_harm, status=Ticket.Status.NEW)
    services.ticket_merge(source=source, target=target, by=lead.user)
    source.refresh_from_db()
    assert source.status == Ticket.Status.CLOSED


def test_the_admin_cannot_change_the_assignee(admin_client, team, associate, self_harm):
    ticket = TicketFactory(team=team, category=self_harm, status=Ticket.Status.NEW)
    page = admin_client.get(f"/admin/tickets/ticket/{ticket.pk}/change/").content.decode()
    assert 'name="assignee"' not in page


def test_the_workspace_says_why_a_reply_would_not_take_the_ticket(
    client, team, associate, self_harm
):
    apply_rule("stepped out", associate, team)
    ticket = TicketFactory(team=team, category=self_harm, status=Ticket.Status.NEW)
    client.force_login(associate.user)
    response = client.post(
        reverse("tickets:reply", args=[ticket.pk]),
        {"body": "Hello", "version": ticket.version},
    )
    assert response.status_code == 403
    assert "Replying would make this ticket yours" in response.content.decode()
    assert "stepped out" in response.content.decode()
    assert not ticket.messages.exists()


@pytest.mark.parametrize("by", ["page", "api"])
def test_a_lead_merges_past_the_rule_with_a_reason_on_the_page_and_the_api(
    client, by, team, lead, associate, self_harm
):
    apply_rule("weekly cap reached", associate, team)
    plain = CategoryFactory(slug="account-access", name="Account access")
    target = TicketFactory(
        team=team, category=plain, status=Ticket.Status.OPEN, assignee=associate.user
    )
    source = TicketFactory(team=team, category=self_harm, status=Ticket.Status.NEW)
    if by == "page":
        client.force_login(lead.user)
        url = reverse("tickets:merge", args=[source.pk])
        form = {"target": target.reference, "version": source.version}
        refused = client.post(url, form)
        assert refused.status_code == 403
        assert "weekly cap reached" in refused.content.decode()
        done = client.post(url, {**form, "override_reason": "Same requester, same story"})
        assert done.status_code == 302
    else:
        api = APIClient()
        api.force_authenticate(lead.user)
        url = f"/api/v1/tickets/{source.pk}/merge/"
        body = {"target": target.pk, "version": source.version}
        refused = api.post(url, body, format="json")
        assert refused.status_code == 403
        assert "weekly cap reached" in refused.content.decode()
        done = api.post(
            url, {**body, "override_reason": "Same requester, same story"}, format="json"
        )
        assert done.status_code == 200
    source.refresh_from_db()
    assert source.status == Ticket.Status.CLOSED
    event = TicketEvent.objects.get(ticket=target, kind="exposure_override")
    assert event.new == "Same requester, same story"


def test_moving_a_ticket_into_a_kind_its_assignee_opted_out_of_is_refused(
    team, lead, associate, self_harm
):
    plain = CategoryFactory(slug="account-access", name="Account access")
    ticket = TicketFactory(
        team=team, category=plain, status=Ticket.Status.OPEN, assignee=associate.user
    )
    apply_rule("no consent for the kind", associate, team)
    with pytest.raises(PermissionDenied, match="not opted in to self-harm and suicide work"):
        services.ticket_update(ticket=ticket, by=lead.user, category=self_harm)
    ticket.refresh_from_db()
    assert ticket.category_id == plain.pk
    exposure_consent_set(agent=associate, kinds=["self_harm"])
    services.ticket_update(ticket=ticket, by=lead.user, category=self_harm)
    ticket.refresh_from_db()
    assert ticket.category_id == self_harm.pk


def test_consent_the_weekly_cap_and_the_cool_down_cost_get_next_no_statement(
    team, associate, self_harm, count_queries
):
    def claim_cost():
        ticket = TicketFactory(team=team, category=self_harm, status=Ticket.Status.NEW)
        claimed, sql = count_queries(lambda: services.ticket_claim_next(agent=associate))
        assert claimed == ticket
        Ticket.objects.filter(pk=ticket.pk).update(status=Ticket.Status.SOLVED)
        return len(sql)

    before = claim_cost()
    Team.objects.filter(pk=team.pk).update(exposure_cap_per_week=50, exposure_cool_down_minutes=0)
    TeamServiceSettings.objects.create(
        team=team, exposure_cap_per_hour=50, interleave_sensitive=False
    )
    assert claim_cost() == before
