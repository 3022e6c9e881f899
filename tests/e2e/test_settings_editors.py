"""Browser: the Settings area's editors, as an admin uses them — create, preview, save, and
see the change take effect on an open ticket's due time; invalid input is refused."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone
from playwright.sync_api import expect

from teams.models import Agent
from tickets import services
from tickets.demo import seed_categories
from tickets.models import BusinessHours, Escalation, SLAPolicy, Ticket
from tickets.tasks import sla_sweep

BERLIN = ZoneInfo("Europe/Berlin")


def _ticket(team, category, **kw):
    requester = services.requester_get_or_create(email="sam@users.example.org", name="Sam Ortiz")
    return services.ticket_create(
        subject="Cannot log in", body="Help", requester=requester, category=category, team=team,
        **kw,
    )  # fmt: skip


def test_admin_creates_business_hours_previews_and_a_tickets_due_time_moves(
    page, login, demo_people, assert_a11y
):
    categories = seed_categories()
    team = Agent.objects.select_related("team").get(user__username="lead").team
    SLAPolicy.objects.create(name="Std", first_reply_minutes=120, business_time=True)
    ticket = _ticket(team, categories["account-access"])
    before = ticket.due_at
    today = timezone.now().astimezone(BERLIN).date()
    closed = [today, today + timedelta(days=1)]  # closed today and tomorrow: the clock waits

    login(page, "admin")
    page.goto("/settings/")
    page.get_by_role("link", name="Business hours").click()
    page.get_by_role("link", name="New calendar").click()
    page.get_by_label("Name").fill("Berlin office")
    page.get_by_label("Time zone").select_option("Europe/Berlin")
    for day in ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday"):
        page.get_by_label(f"{day} opens (1)").fill("09:00")
        page.get_by_label(f"{day} closes (1)").fill("17:00")
    # Invalid first: a closing time before the opening time.
    page.get_by_label("Saturday opens (1)").fill("12:00")
    page.get_by_label("Saturday closes (1)").fill("10:00")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#hours-form")).to_contain_text(
        "the opening time must come before the closing"
    )
    assert not BusinessHours.objects.exists()
    page.get_by_label("Saturday opens (1)").fill("")
    page.get_by_label("Saturday closes (1)").fill("")
    page.get_by_label("Public holidays of").select_option("DE")
    page.get_by_label("Region").select_option("BE")  # the list followed the country
    page.get_by_label("Other closed days").fill("\n".join(str(d) for d in closed))
    page.get_by_label(team.name).check()
    page.get_by_role("button", name="Preview the next 14 days").click()
    preview = page.locator("#preview")
    expect(preview).to_contain_text(f"{today:%a} {today.day} {today:%b}")
    expect(preview.locator("tbody tr").first).to_contain_text("Holiday — closed")
    expect(preview).to_contain_text("09:00–17:00")
    assert not BusinessHours.objects.exists()  # a preview saves nothing
    assert_a11y(page)
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".messages")).to_contain_text("Saved “Berlin office”")
    expect(page.locator("table")).to_contain_text(team.name)

    hours = BusinessHours.objects.get()
    assert (hours.holiday_country, hours.holiday_subdivision) == ("DE", "BE")
    ticket.refresh_from_db()
    assert ticket.due_at != before
    due = ticket.due_at.astimezone(BERLIN)
    assert due.date() > closed[-1]
    assert due.weekday() < 5
    assert 9 <= due.hour < 17 or (due.hour, due.minute) == (17, 0)


def test_admin_creates_sla_policy_previews_and_recomputes_without_escalating(
    page, login, demo_people, assert_a11y
):
    categories = seed_categories()
    team = Agent.objects.select_related("team").get(user__username="lead").team
    ticket = _ticket(
        team,
        categories["account-access"],
        priority=Ticket.Priority.HIGH,
        created_at=timezone.now() - timedelta(hours=2),
    )
    before = ticket.due_at  # the default: 4 hours for high priority

    login(page, "admin")
    page.goto("/settings/")
    page.get_by_role("link", name="SLA policies").click()
    page.get_by_role("link", name="New policy").click()
    page.get_by_label("Name").fill("High priority")
    page.get_by_label("High", exact=True).check()
    page.get_by_label("Calendar time (24/7)").check()
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#sla-form")).to_contain_text("Set at least one target")
    assert not SLAPolicy.objects.exists()

    page.get_by_label("First reply target").fill("1")
    page.get_by_label("First reply unit").select_option("hours")
    page.get_by_label("Also recompute open tickets now").check()
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("#preview")).to_contain_text(
        "Applies to 1 open ticket (of 1); 1 would be past due now, 1 of them only because of "
        "this change."
    )
    expect(page.locator("#preview")).to_contain_text("no escalation, webhook or notification")
    assert_a11y(page)
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".messages")).to_contain_text("Saved “High priority”")
    expect(page.locator("table")).to_contain_text("Priority: High")

    ticket.refresh_from_db()
    assert ticket.due_at == ticket.created_at + timedelta(hours=1)
    assert ticket.due_at < before
    assert sla_sweep.delay().get()["breached"] == 0  # past due by the change: no flood
    assert not Escalation.objects.exists()
