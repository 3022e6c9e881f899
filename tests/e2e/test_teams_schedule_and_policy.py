"""Browser: a lead moves a shift and the on-shift count per hour follows; an associate
acknowledges a policy update and the banner goes away."""

import zoneinfo
from datetime import datetime, time, timedelta

from playwright.sync_api import expect

from teams.models import Agent, Role, ShiftTemplate


def _tomorrow_shift():
    """An Account Care associate working tomorrow (New York), with that shift."""
    tz = zoneinfo.ZoneInfo("America/New_York")
    tomorrow = (datetime.now(tz) + timedelta(days=1)).date()
    shift = (
        ShiftTemplate.objects.filter(
            agent__team__slug="account-care",
            agent__role=Role.ASSOCIATE,
            weekday=tomorrow.weekday(),
            start__lt=time(12),  # leaves room to move it later the same day
        )
        .select_related("agent__user")
        .order_by("start", "pk")
        .first()
    )
    return tomorrow, shift


def test_lead_moves_a_shift_and_sees_the_hourly_count_change(page, login, demo_people, assert_a11y):
    tomorrow, shift = _tomorrow_shift()
    assert shift is not None, "the demo rota has Account Care associates working every day"
    inside = shift.start.hour + 1  # an hour the shift covers
    new_start = (shift.end.hour + 1) % 24
    moved_into = new_start + 1  # covered by the moved shift only
    day = tomorrow.isoformat()

    login(page, "lead")
    page.goto("/teams/account-care/schedule/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("schedule")
    cell_inside = page.locator(f'td[data-day="{day}"][data-hour="{inside}"]')
    cell_moved = page.locator(f'td[data-day="{day}"][data-hour="{moved_into}"]')
    before_inside, before_moved = int(cell_inside.inner_text()), int(cell_moved.inner_text())
    assert_a11y(page)

    form = page.locator(f'form.shift-form:has(input[name="template"][value="{shift.pk}"])')
    form.get_by_label("Start").fill(f"{new_start:02d}:00")
    form.get_by_label("End").fill(f"{(new_start + 3) % 24:02d}:00")
    with page.expect_navigation():
        form.get_by_role("button", name="Save shift").click()

    expect(page.get_by_text("Schedule updated.")).to_be_visible()
    expect(cell_inside).to_have_text(str(before_inside - 1))
    expect(cell_moved).to_have_text(str(before_moved + 1))
    shift.refresh_from_db()
    assert shift.start.hour == new_start


def test_associate_acknowledges_a_policy_update_and_the_banner_disappears(
    page, login, demo_people, assert_a11y
):
    login(page, "associate")
    banner = page.locator("#policy-banner")
    expect(banner).to_contain_text("Wellness: stepping out of sensitive work (v1)")
    banner.get_by_role("link", name="Wellness: stepping out of sensitive work (v1)").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Wellness: stepping out of sensitive work"
    )
    assert_a11y(page)
    with page.expect_navigation():
        page.get_by_role("button", name="I have read and understood version 1").click()
    expect(page.get_by_text("you acknowledged")).to_be_visible()
    expect(page.locator("#policy-banner")).to_have_count(0)
    page.goto("/tickets/")
    expect(page.locator("#policy-banner")).to_have_count(0)
    associate = Agent.objects.get(user__username="associate")
    assert not associate.user.policy_acknowledgements.filter(acknowledged_at__isnull=True).exists()
