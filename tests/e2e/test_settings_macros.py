"""Browser: an associate writes a personal macro with a placeholder in Settings, previews it
against a ticket, saves it, and applies it on that ticket (reply sent, status action set)."""

from playwright.sync_api import expect

from teams.models import Agent
from tickets import services
from tickets.demo import seed_categories
from tickets.models import Macro, Ticket


def test_associate_creates_previews_saves_and_applies_a_personal_macro(
    page, login, demo_people, assert_a11y
):
    categories = seed_categories()
    agent = Agent.objects.select_related("team").get(user__username="associate")
    requester = services.requester_get_or_create(email="maya@users.example.org", name="Maya Chen")
    ticket = services.ticket_create(
        subject="Locked out after a phone change", body="New phone, no codes.",
        requester=requester, category=categories["account-access"], team=agent.team,
    )  # fmt: skip

    login(page, "associate")
    page.goto("/settings/")
    page.get_by_role("link", name="Macros").click()
    page.get_by_role("link", name="New macro").click()
    page.get_by_label("Title").fill("Recovery steps sent")
    page.get_by_label("Reply", exact=True).fill(
        "Hi {{requester.first_name}}, I sent the recovery steps for {{ticket.reference}}."
    )
    page.get_by_label("Set status").select_option(label="Pending")
    page.get_by_label("Preview with ticket").fill(ticket.reference)
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("#macro-rendered")).to_have_text(
        f"Hi Maya, I sent the recovery steps for {ticket.reference}."
    )
    expect(page.locator("#preview")).to_contain_text("Set status: Pending")
    assert not Macro.objects.filter(title="Recovery steps sent").exists()
    assert_a11y(page)

    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("link", name="Recovery steps sent")).to_be_visible()
    macro = Macro.objects.get(title="Recovery steps sent")
    assert macro.owner == agent.user

    page.goto(f"/tickets/{ticket.pk}/")
    page.get_by_label("Macro").select_option(label="Recovery steps sent (personal)")
    reply = page.get_by_label("Public reply to Maya Chen (Markdown)")
    expect(reply).to_have_value(f"Hi Maya, I sent the recovery steps for {ticket.reference}.")
    page.get_by_role("button", name="Send reply").click()
    expect(page.locator(".msg-agent")).to_contain_text("I sent the recovery steps")
    expect(page.locator(".ws-header .badge-pending")).to_have_text("Pending")
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.PENDING
