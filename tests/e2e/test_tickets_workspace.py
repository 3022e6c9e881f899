"""Browser: an associate presses n, replies with a macro, solves, and the requester gets the
email; a requester opens a ticket on the help form and replies by email into the thread."""

import re
from email.message import EmailMessage
from email.utils import make_msgid

from django.core import mail
from playwright.sync_api import expect

from teams.models import Agent, Presence
from tickets import services
from tickets.demo import seed_categories
from tickets.models import Macro, Ticket


def _associate_ready():
    """The demo associate, available and free to take any account-access ticket of their team."""
    agent = Agent.objects.select_related("team", "user").get(user__username="associate")
    agent.skills, agent.languages = [], []
    agent.presence = Presence.AVAILABLE
    agent.save()
    return agent


def test_associate_presses_n_replies_with_macro_solves_and_requester_gets_email(
    page, login, demo_people, assert_a11y
):
    categories = seed_categories()
    agent = _associate_ready()
    requester = services.requester_get_or_create(email="maya@users.example.org", name="Maya Chen")
    ticket = services.ticket_create(
        subject="Login code never arrives", body="I waited 20 minutes.", requester=requester,
        category=categories["account-access"], team=agent.team,
    )  # fmt: skip
    macro = Macro.objects.create(
        title="Sign-in link sent",
        body="Hi {{requester.name}},\n\nI sent a new sign-in link. — {{agent.name}}",
    )
    mail.outbox.clear()

    login(page, "associate")
    page.goto("/tickets/")
    page.keyboard.press("n")
    expect(page).to_have_url(f"/tickets/{ticket.pk}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Login code never arrives")
    assert_a11y(page)
    # Normal priority: first reply due 8 hours after creation; the clock is rendered by JS.
    expect(page.locator(".ws-header [data-due]")).to_have_text(
        re.compile(r"Due in (7 h 5\d|8 h 0) min")
    )

    page.get_by_label("Macro").select_option(label=macro.title)
    reply = page.get_by_label("Public reply to Maya Chen (Markdown)")
    expect(reply).to_have_value("Hi Maya Chen,\n\nI sent a new sign-in link. — Alex Rivera")
    page.get_by_role("button", name="Send reply").click()
    expect(page.locator(".msg-agent")).to_contain_text("I sent a new sign-in link")
    expect(page.get_by_label("Public reply to Maya Chen (Markdown)")).to_have_value("")

    page.locator("body").click(position={"x": 5, "y": 5})
    page.keyboard.press("s")
    expect(page.locator(".ws-header .badge-solved")).to_have_text("Solved")

    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.SOLVED
    assert ticket.assignee == agent.user
    sent = [m for m in mail.outbox if m.to == ["maya@users.example.org"]]
    assert len(sent) == 1
    assert sent[0].subject == f"Re: [{ticket.reference}] Login code never arrives"
    assert "I sent a new sign-in link" in sent[0].body


def test_requester_opens_ticket_on_help_form_and_replies_by_email(
    page, login, demo_people, live_url, settings
):
    seed_categories()
    settings.FRONTLINE = {**settings.FRONTLINE, "INBOUND_EMAIL_SECRET": "e2e-secret"}
    mail.outbox.clear()

    page.goto("/help/")
    page.get_by_label("Your email address").fill("sam@users.example.org")
    page.get_by_label("Your name").fill("Sam Park")
    page.get_by_label("What is it about?").select_option(label="Account access")
    page.get_by_label("Subject").fill("Locked out after password change")
    page.get_by_label("Describe the problem").fill("The app logs me out every time.")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you")
    ticket = Ticket.objects.get(subject="Locked out after password change")
    expect(page.locator("main")).to_contain_text(ticket.reference)

    confirmation = next(m for m in mail.outbox if m.to == ["sam@users.example.org"])
    assert ticket.reference in confirmation.subject
    reply = EmailMessage()
    reply["From"] = "Sam Park <sam@users.example.org>"
    reply["To"] = "support@frontline.localhost"
    reply["Subject"] = "Re: " + confirmation.subject
    reply["Message-ID"] = make_msgid(domain="users.example.org")
    reply["In-Reply-To"] = confirmation.extra_headers["Message-ID"]
    reply.set_content(
        "It happens on my iPad too.\n\nOn Mon, Frontline Support wrote:\n> We have received your request"
    )
    response = page.request.post(
        f"{live_url}/inbound/email/",
        data=reply.as_bytes(),
        headers={"Content-Type": "message/rfc822", "X-Frontline-Secret": "e2e-secret"},
    )
    assert response.status == 202
    assert response.json()["ticket"] == ticket.reference

    # Follow-the-sun routing gives the ticket to whichever team is on shift at this hour, so
    # the thread is read by the admin, who sees every team (the associate only their own).
    login(page, "admin")
    page.goto(f"/tickets/{ticket.pk}/")
    thread = page.locator(".thread .msg")
    expect(thread).to_have_count(2)
    expect(thread.nth(0)).to_contain_text("The app logs me out every time.")
    expect(thread.nth(1)).to_contain_text("It happens on my iPad too.")
    # the quoted confirmation is folded away, one click from view
    quoted = thread.nth(1).get_by_text("We have received your request")
    expect(quoted).to_be_hidden()
    thread.nth(1).get_by_text("Show quoted text").click()
    expect(quoted).to_be_visible()
