"""Logging in through the real form in Chromium: each demo role lands on its home page."""

import re

import pytest
from django.contrib.sessions.models import Session
from playwright.sync_api import expect

from teams.models import Agent, Presence, Team
from tests.factories import CategoryFactory, TicketFactory

# username, home path, h1, nav entries shown, nav entries never shown, role badge
ROLES = [
    ("associate", "/tickets/", "Queue", ["Queue"], ["Team", "Overview", "Admin"], "Associate"),
    ("lead", "/metrics/team/", "Team dashboard", ["Queue", "Team"], ["Overview", "Admin"], "Lead"),
    ("manager", "/metrics/overview/", "Overview", ["Team", "Overview"], ["Admin"], "Manager"),
    ("qa", "/metrics/overview/", "Overview", ["Overview"], ["Team", "Admin"], "QA analyst"),
    ("admin", "/metrics/overview/", "Overview", ["Team", "Overview", "Admin"], [], "Admin"),
]


def _nav(page):
    return page.get_by_role("navigation", name="Main")


@pytest.mark.parametrize(
    ("username", "path", "heading", "shown", "hidden", "badge"),
    ROLES,
    ids=[r[0] for r in ROLES],
)
def test_demo_role_lands_on_its_home_when_logging_in(
    page, login, demo_people, assert_a11y, username, path, heading, shown, hidden, badge
):
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login/\?next=/$"))
    assert_a11y(page)

    login(page, username)

    expect(page).to_have_url(re.compile(re.escape(path) + "$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(heading)
    nav = _nav(page)
    for entry in shown:
        expect(nav.get_by_role("link", name=entry, exact=True)).to_be_visible()
    for entry in hidden:
        expect(nav.get_by_role("link", name=entry, exact=True)).to_have_count(0)
    expect(page.locator(".role-badge")).to_have_text(badge)
    if username == "associate":
        expect(page.get_by_role("button", name=re.compile("Get next ticket"))).to_be_visible()
    assert_a11y(page)


def test_wrong_password_shows_error_and_creates_no_session_when_logging_in(
    page, login, demo_people, assert_a11y
):
    login(page, "associate", "not-the-password")

    expect(page.get_by_role("alert")).to_contain_text(
        "Please enter a correct username and password"
    )
    expect(page.get_by_label("Username")).to_have_value("associate")
    assert "sessionid" not in {c["name"] for c in page.context.cookies()}
    assert Session.objects.count() == 0
    assert_a11y(page)

    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login/\?next=/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in to Frontline")


def test_logout_ends_the_session(page, login, demo_people):
    login(page, "lead")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Team dashboard")
    assert "sessionid" in {c["name"] for c in page.context.cookies()}

    page.get_by_role("button", name="Log out").click()

    expect(page).to_have_url(re.compile(r"/login/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in to Frontline")
    assert "sessionid" not in {c["name"] for c in page.context.cookies()}
    assert Session.objects.count() == 0
    page.goto("/metrics/team/")
    expect(page).to_have_url(re.compile(r"/login/\?next=/metrics/team/$"))


def test_question_mark_lists_shortcuts_and_n_claims_the_next_ticket_on_the_queue(
    page, login, demo_people, assert_a11y
):
    Agent.objects.filter(user__username="associate").update(presence=Presence.AVAILABLE)
    login(page, "associate")
    expect(page.get_by_role("heading", level=1)).to_have_text("Queue")
    assert_a11y(page)

    page.locator("body").focus()
    page.keyboard.press("?")
    dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Get next ticket")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()

    page.keyboard.press("n")  # nothing waiting yet
    expect(
        page.get_by_role("status").filter(has_text="Nothing is waiting for you right now")
    ).to_be_visible()
    expect(page).to_have_url(re.compile(r"/tickets/$"))

    ticket = TicketFactory(
        team=Team.objects.get(slug="account-care"),
        subject="Locked out after changing my phone",
        category=CategoryFactory(slug="account-access", name="Account access"),
        language="en",
    )
    page.locator("body").focus()
    page.keyboard.press("n")

    expect(page).to_have_url(re.compile(rf"/tickets/{ticket.pk}/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(
        "Locked out after changing my phone"
    )
    ticket.refresh_from_db()
    assert ticket.assignee.username == "associate"
    assert_a11y(page)
