"""Browser, keyboard only: from the queue to a solved ticket with a macro in three actions —
n (get next), m then the macro's first letters (choose the demo macro "Solved: update the
app": it fills the reply in place and preselects its status), Ctrl+Shift+Enter (send, set the status, open the next ticket)."""

import re

from playwright.sync_api import expect

from teams.models import Agent
from tickets import services
from tickets.demo import seed_categories
from tickets.models import Ticket, TicketEvent


def test_queue_to_solved_with_a_macro_in_three_keyboard_actions(
    page, login, demo_people, assert_a11y
):
    categories = seed_categories()
    agent = Agent.objects.select_related("team").get(user__username="associate")
    requester = services.requester_get_or_create(email="lee@users.example.org", name="Lee Kim")
    first, second = (
        services.ticket_create(
            subject=subject,
            body="Two charges this month.",
            requester=requester,
            category=categories["billing"],
            team=agent.team,
        )  # fmt: skip
        for subject in ("Charged twice", "Refund missing")
    )
    login(page, "associate")
    page.goto("/tickets/")
    page.keyboard.press("?")
    expect(page.locator("#shortcut-help")).to_contain_text("Get next ticket")
    page.keyboard.press("Escape")

    page.keyboard.press("n")  # 1: get next
    expect(page.locator("h1")).to_contain_text("Charged twice")

    page.keyboard.press("m")  # 2: choose the macro
    page.keyboard.type("Solved")  # the select's type-ahead
    reply = page.locator("#reply-body")
    expect(reply).to_have_value(re.compile(r"^Hi Lee Kim,\n\nThis is fixed in the latest version"))
    expect(page.locator("#macro-changes")).to_contain_text("Status: Solved")
    expect(page.locator("#reply-status")).to_have_value("solved")
    assert_a11y(page)
    page.locator("#macro-select").focus()  # assert_a11y tabbed away; back where the agent was

    page.keyboard.press("Control+Shift+Enter")  # 3: send, solve, next
    expect(page.locator("h1")).to_contain_text("Refund missing")
    expect(page).to_have_url(f"/tickets/{second.pk}/?sent_from={first.pk}")
    assert page.evaluate(f"localStorage.getItem('fl-draft:{first.pk}:reply')") is None
    first.refresh_from_db()
    assert first.status == Ticket.Status.SOLVED
    assert "This is fixed in the latest version" in first.messages.last().body_text
    assert TicketEvent.objects.filter(ticket=first, kind="macro", new="Solved: update the app")
    page.keyboard.press("?")
    expect(page.locator("#shortcut-help")).to_contain_text("Ctrl+Shift+Enter")
