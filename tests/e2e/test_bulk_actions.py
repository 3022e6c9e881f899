"""Browser: select queue rows with x and Shift-click, review the bulk action, confirm, read
the summary (a ticket changed meanwhile is reported as a version conflict). The bulk bar's
selects do not refresh the list (only the filter form's do)."""

import re

from playwright.sync_api import expect

from teams.models import Agent
from tickets import services
from tickets.demo import seed_categories


def test_select_with_keyboard_and_shift_click_then_confirm(page, login, demo_people, assert_a11y):
    categories = seed_categories()
    lead = Agent.objects.select_related("team").get(user__username="lead")
    requester = services.requester_get_or_create(email="lee@users.example.org", name="Lee Kim")
    tickets = [
        services.ticket_create(
            subject=f"Outage report {i}",
            body="Down",
            requester=requester,
            category=categories["billing"],
            team=lead.team,
        )  # fmt: skip
        for i in range(4)
    ]
    login(page, "lead")
    page.goto("/tickets/?view=team&q=Outage")
    page.locator("#id_sort").select_option(index=1)  # a filter select still refreshes the list
    expect(page).to_have_url(re.compile(r"sort="))
    expect(page.locator("#bulk-count")).to_have_text("0 selected")
    assert_a11y(page)
    page.keyboard.press("j")
    page.keyboard.press("x")  # the highlighted (first) row
    expect(page.locator("#bulk-count")).to_have_text("1 selected")
    boxes = page.locator('tr[data-href] input[name="ticket"]')
    boxes.nth(1).click()
    boxes.nth(3).click(modifiers=["Shift"])  # rows 2 to 4
    expect(page.locator("#bulk-count")).to_have_text("4 selected")
    page.get_by_label("Action", exact=True).select_option("tag")
    page.get_by_label("Tags", exact=True).fill("outage")
    page.get_by_role("button", name="Review…").click()

    confirm = page.get_by_role("button", name="Confirm: Add tags: outage")
    expect(confirm).to_be_visible()
    assert_a11y(page)
    services.ticket_update(ticket=tickets[0], by=None, priority=4)  # changed meanwhile
    confirm.click()
    expect(page.get_by_role("status").first).to_contain_text("3 done, 1 refused")
    expect(page.locator("#bulk-refused")).to_contain_text(f"{tickets[0].reference}")
    expect(page.locator("#bulk-refused")).to_contain_text("Version conflict")
    assert_a11y(page)
    for ticket in tickets[1:]:
        assert list(ticket.tags.values_list("name", flat=True)) == ["outage"]
    assert not tickets[0].tags.exists()
