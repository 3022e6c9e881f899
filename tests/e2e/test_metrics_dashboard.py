"""Browser: a lead filters the team dashboard to one category, sees the charts drawn, and
opens the tickets behind a number."""

import re

from playwright.sync_api import expect

from metrics.services import rollup_refresh
from tickets.demo import seed_tickets
from tickets.models import Category


def test_lead_filters_to_one_category_and_opens_the_tickets_behind_a_number(
    page, login, demo_people, assert_a11y
):
    seed_tickets(count=400, days=21, seed=11)
    rollup_refresh()
    billing = Category.objects.get(slug="billing")

    login(page, "lead")
    page.goto("/metrics/team/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Team dashboard")
    page.get_by_label("Category").select_option(billing.slug)
    with page.expect_navigation():
        page.get_by_role("button", name="Apply").click()
    assert "category=billing" in page.url
    expect(page.get_by_label("Category")).to_have_value("billing")
    # Chart.js drew the weekly charts from the json_script data (no inline script).
    assert page.evaluate("() => typeof window.Chart === 'function'")
    expect(page.locator('canvas[data-chart="chart-volume"]')).to_be_visible()
    assert page.evaluate(
        "() => !!window.Chart.getChart(document.querySelector('canvas[data-chart=chart-volume]'))"
    )
    assert_a11y(page)

    link = (
        page.locator("#associates ~ table tbody td.num a")
        .filter(has_text=re.compile(r"^[1-9]\d*$"))
        .first
    )
    expected = int(link.inner_text())
    with page.expect_navigation():
        link.click()
    assert page.url.split("?")[0].endswith("/tickets/")
    assert "category=billing" in page.url
    rows = page.locator("#results tbody tr[data-href]")
    expect(rows).to_have_count(expected)
    for i in range(expected):
        expect(rows.nth(i)).to_contain_text("Billing")


def test_manager_downloads_an_xlsx_of_tickets(page, login, demo_people, assert_a11y, tmp_path):
    seed_tickets(count=120, days=10, seed=3)
    login(page, "manager")
    page.goto("/metrics/exports/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Exports")
    assert_a11y(page)
    page.get_by_label("Report").select_option("tickets")
    page.get_by_label("Format").select_option("xlsx")
    with page.expect_download() as info:
        page.get_by_role("button", name="Download").click()
    download = info.value
    assert download.suggested_filename.endswith(".xlsx")
    path = tmp_path / download.suggested_filename
    download.save_as(path)

    from datetime import UTC, datetime, timedelta

    from django.contrib.auth import get_user_model
    from django.utils import timezone
    from openpyxl import load_workbook

    from tickets.models import Ticket

    rows = list(load_workbook(path, read_only=True).active.iter_rows(values_only=True))
    manager = get_user_model().objects.get(username="manager")
    start = datetime.combine(timezone.now().date() - timedelta(days=55), datetime.min.time(), UTC)
    visible = Ticket.objects.visible_to(manager).filter(created_at__gte=start)
    assert rows[0][0] == "Reference"
    assert len(rows) - 1 == visible.count() > 0
