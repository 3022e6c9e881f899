"""Browser: an admin tightens an SLA target in the admin — the open ticket it makes past due is
recorded as missed but not escalated (no flood, issue 19) — then a ticket that breaches the
new target by time passing is escalated by the sweep, and the lead finds it in Escalations;
then takes it on and de-escalates it."""

from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import expect

from teams.models import Agent
from tickets import services
from tickets.demo import seed_categories
from tickets.models import Escalation, SLAPolicy
from tickets.tasks import sla_sweep


def test_admin_edits_sla_target_and_lead_sees_the_breach_in_escalations(
    page, login, demo_people, assert_a11y
):
    categories = seed_categories()
    lead = Agent.objects.select_related("team").get(user__username="lead")
    policy = SLAPolicy.objects.create(name="Standard", first_reply_minutes=600, business_time=False)
    requester = services.requester_get_or_create(email="sam@users.example.org", name="Sam Ortiz")
    earlier = services.ticket_create(
        subject="Password reset mail missing", body="Nothing arrives.",
        requester=requester, category=categories["account-access"], team=lead.team,
        created_at=timezone.now() - timedelta(hours=2),
    )  # fmt: skip
    assert sla_sweep.delay().get()["breached"] == 0  # ten hours to reply: nothing breached

    login(page, "admin")
    page.goto(f"/admin/tickets/slapolicy/{policy.pk}/change/")
    page.get_by_label("First reply minutes").fill("60")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    page.goto("/")
    page.get_by_role("button", name="Log out").click()

    # Past due only because of the change: recorded as missed, never escalated.
    assert sla_sweep.delay().get()["breached"] == 0
    assert earlier.slas.get(kind="first_reply").met is False
    ticket = services.ticket_create(
        subject="Hacked account, posts I did not write", body="Please lock it.",
        requester=requester, category=categories["account-access"], team=lead.team,
        created_at=timezone.now() - timedelta(hours=2),
    )  # fmt: skip
    assert sla_sweep.delay().get()["breached"] == 1  # the beat's task, run once

    login(page, "lead")
    page.goto("/tickets/?view=escalations")
    expect(page.locator("#results")).to_contain_text("Hacked account, posts I did not write")
    page.get_by_role("link", name="Escalations", exact=True).first.click()
    expect(page).to_have_url("/tickets/escalations/")
    card = page.locator(f"#escalation-{Escalation.objects.get(ticket=ticket).pk}")
    expect(card).to_contain_text(ticket.reference)
    expect(card).to_contain_text("First reply target breached")
    expect(card).to_contain_text("SLA breach")
    assert_a11y(page)
    card.get_by_role("button", name="Acknowledge").click()
    expect(card).to_contain_text("Acknowledged by Jordan Blake")
    card.get_by_label("Resolution note").fill("Replied and locked the account")
    card.get_by_role("button", name="Resolve (de-escalate)").click()
    expect(page.locator("#escalation-rows")).to_contain_text("No open escalations")
    escalation = Escalation.objects.get(ticket=ticket)
    assert escalation.resolution_note == "Replied and locked the account"
