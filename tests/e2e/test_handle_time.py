"""Browser: the workspace records handle time while the ticket is in front of the agent, and
stops when the page loses focus (static/js/work-timer.js, no inline script)."""

import time

from playwright.sync_api import expect

from teams.models import Agent
from tickets import services
from tickets.demo import seed_categories
from tickets.models import WorkSession


def _worked() -> float:
    return sum(WorkSession.objects.values_list("seconds", flat=True))


def test_workspace_heartbeats_count_focused_time_only(page, login, demo_people, settings):
    settings.FRONTLINE = {**settings.FRONTLINE, "WORK_HEARTBEAT_SECONDS": 1}
    categories = seed_categories()
    agent = Agent.objects.select_related("team").get(user__username="associate")
    requester = services.requester_get_or_create(email="ana@users.example.org", name="Ana")
    ticket = services.ticket_create(
        subject="Cannot reset my password", body="Link expired.", requester=requester,
        category=categories["account-access"], team=agent.team,
    )  # fmt: skip

    login(page, "associate")
    page.goto(f"/tickets/{ticket.pk}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Cannot reset my password")
    page.bring_to_front()
    deadline = time.monotonic() + 15
    while _worked() < 2 and time.monotonic() < deadline:
        time.sleep(0.5)
    assert _worked() >= 2
    session = WorkSession.objects.get()
    assert (session.agent_id, session.ticket_id) == (agent.user_id, ticket.pk)

    # Another window has focus: the timer stops sending, so no more time is counted.
    page.evaluate("() => { document.hasFocus = () => false; }")
    time.sleep(1.5)
    before = _worked()
    time.sleep(3)
    assert _worked() == before
