"""Browser: a stale send keeps the typed reply and shows the current state; a second agent on
the ticket is announced; the queue moves with j/k and / focuses the search."""

from playwright.sync_api import expect

from teams.models import Agent
from tickets import services
from tickets.demo import seed_categories


def _ticket(subject="Charged twice for Premium"):
    categories = seed_categories()
    agent = Agent.objects.select_related("team", "user").get(user__username="associate")
    requester = services.requester_get_or_create(email="lee@users.example.org", name="Lee Kim")
    ticket = services.ticket_create(
        subject=subject, body="Two charges this month.", requester=requester,
        category=categories["billing"], team=agent.team,
    )  # fmt: skip
    return ticket, agent


def test_stale_send_keeps_the_text_and_shows_the_current_state(page, login, demo_people):
    ticket, _agent = _ticket()
    lead = Agent.objects.get(user__username="lead")
    login(page, "associate")
    page.goto(f"/tickets/{ticket.pk}/")
    box = page.get_by_label("Public reply to Lee Kim (Markdown)")
    box.fill("I have refunded the second charge.")

    services.ticket_update(ticket=ticket, by=lead.user, priority=4)  # someone else, meanwhile

    page.get_by_role("button", name="Send reply").click()
    expect(page.locator("#stale-notice")).to_contain_text("changed while you were working")
    expect(page.locator("#stale-notice")).to_contain_text("urgent priority")
    expect(page.get_by_label("Public reply to Lee Kim (Markdown)")).to_have_value(
        "I have refunded the second charge."
    )
    assert ticket.messages.count() == 1

    page.get_by_role("button", name="Send reply").click()
    expect(page.locator(".msg-agent")).to_contain_text("I have refunded the second charge.")
    assert ticket.messages.count() == 2


def test_draft_survives_a_reload(page, login, demo_people):
    ticket, _agent = _ticket()
    login(page, "associate")
    page.goto(f"/tickets/{ticket.pk}/")
    page.get_by_label("Internal note (only staff see it)").fill("Check the payment provider")
    page.evaluate("window.onbeforeunload = null")
    page.once("dialog", lambda dialog: dialog.accept())
    page.reload()
    expect(page.get_by_label("Internal note (only staff see it)")).to_have_value(
        "Check the payment provider"
    )


def test_second_agent_on_the_ticket_is_announced(browser, page, login, live_url, demo_people):
    ticket, _agent = _ticket()
    other = browser.new_context(base_url=live_url)
    lead_page = other.new_page()
    login(lead_page, "lead")
    lead_page.goto(f"/tickets/{ticket.pk}/")
    login(page, "associate")
    page.goto(f"/tickets/{ticket.pk}/")
    expect(page.locator("#presence")).to_contain_text("Jordan Blake has this ticket open.")
    other.close()


def test_queue_keyboard(page, login, demo_people):
    first, _ = _ticket("First in line")
    second, _ = _ticket("Second in line")
    login(page, "associate")
    page.goto("/tickets/?view=team")
    page.keyboard.press("j")
    page.keyboard.press("j")
    expect(page.locator("tr.row-current")).to_contain_text("Second in line")
    page.keyboard.press("k")
    expect(page.locator("tr.row-current")).to_contain_text("First in line")
    page.keyboard.press("o")
    expect(page).to_have_url(f"/tickets/{first.pk}/")
    page.goto("/tickets/?view=team")
    page.keyboard.press("/")
    expect(page.get_by_label("Search")).to_be_focused()
    page.keyboard.type(second.reference)
    page.keyboard.press("Enter")
    expect(page.locator("tr[data-href]")).to_have_count(1)
    expect(page.locator("tr[data-href]")).to_contain_text("Second in line")
    page.locator("body").click(position={"x": 5, "y": 5})
    page.keyboard.press("?")
    expect(page.locator("#shortcut-help")).to_contain_text("Next ticket in the list")


def test_sensitive_image_is_blurred_until_clicked_and_the_reveal_is_logged(
    page, login, demo_people
):
    from teams.models import Sensitivity
    from tickets.models import TicketEvent

    categories = seed_categories()
    agent = Agent.objects.select_related("team", "user").get(user__username="associate")
    agent.clearance = Sensitivity.SENSITIVE
    agent.save()
    requester = services.requester_get_or_create(email="ria@users.example.org", name="Ria Das")
    ticket = services.ticket_create(
        subject="Threats in my comments", body="Screenshot attached.", requester=requester,
        category=categories["safety-report"], team=agent.team,
    )  # fmt: skip
    png = (
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00"
        b"\x00\x90wS\xde\x00\x00\x00\x0cIDATx\x9cc\xf8\xcf\xc0\x00\x00\x03\x01\x01\x00\xc9\xfe"
        b"\x92\xef\x00\x00\x00\x00IEND\xaeB`\x82"
    )
    services.attachment_add(ticket=ticket, message=ticket.messages.get(), name="shot.png", data=png)
    login(page, "associate")
    page.goto(f"/tickets/{ticket.pk}/")
    image = page.locator("img.sensitive-media")
    expect(image).to_have_count(1)
    assert "blur" in image.evaluate("el => getComputedStyle(el).filter")
    image.click()
    expect(image).to_have_class("sensitive-media revealed")
    page.wait_for_timeout(300)
    assert image.evaluate("el => getComputedStyle(el).filter") == "none"
    assert TicketEvent.objects.filter(
        ticket=ticket, kind="media_revealed", actor=agent.user
    ).exists()
