"""Two-factor sign-in in Chromium: a lead enrols an authenticator, then logs in with a code."""

import re
import time

import pyotp
import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

pytestmark = pytest.mark.usefixtures("two_factor_enforced")


def test_lead_enrols_totp_then_logs_in_with_password_and_a_fresh_code(
    page, login, demo_people, assert_a11y
):
    login(page, "lead")

    # Held at enrolment: nothing else is reachable until an authenticator is set up.
    expect(page).to_have_url(re.compile(r"/account/two-factor/\?next=%2F$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up two-factor sign-in")
    expect(page.get_by_role("img", name="QR code for your authenticator app")).to_be_visible()
    expect(page.get_by_role("navigation", name="Main")).to_have_count(0)  # nowhere else to go
    assert_a11y(page)
    page.goto("/metrics/team/")
    expect(page).to_have_url(re.compile(r"/account/two-factor/\?next=%2Fmetrics%2Fteam%2F$"))

    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    totp = pyotp.TOTP(secret)
    page.get_by_label("Authentication code").fill(totp.now())
    page.get_by_role("button", name="Turn on two-factor sign-in").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Recovery codes")
    expect(page.locator("#recovery-codes li")).to_have_count(10)
    page.get_by_role("link", name="I have saved them, continue").click()
    expect(page).to_have_url(re.compile(r"/metrics/team/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Team dashboard")

    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in to Frontline")

    login(page, "lead")
    expect(page).to_have_url(re.compile(r"/account/two-factor/verify/\?next=%2F$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Enter your authentication code")
    assert_a11y(page)
    # The code used to enrol cannot be replayed; the next 30-second step's code is accepted.
    # django-otp learns the phone's clock drift: an enrolment code that arrived a step late
    # (a slow machine, a step boundary) moved it, and the server now counts steps with it.
    drift = TOTPDevice.objects.get(user__username="lead", confirmed=True).drift
    page.get_by_label("Authentication code").fill(totp.at(time.time() + 30 * (1 + drift)))
    page.get_by_role("button", name="Verify").click()

    expect(page).to_have_url(re.compile(r"/metrics/team/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Team dashboard")
    expect(page.locator(".role-badge")).to_have_text("Lead")


def test_wrong_code_is_refused_with_a_message_in_the_browser(page, login, demo_people):
    login(page, "lead")
    page.get_by_label("Authentication code").fill("000000")
    page.get_by_role("button", name="Turn on two-factor sign-in").click()

    expect(page.get_by_role("alert")).to_contain_text("That code is not right")
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up two-factor sign-in")


def test_associate_goes_straight_to_the_queue(page, login, demo_people):
    login(page, "associate")

    expect(page).to_have_url(re.compile(r"/tickets/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Queue")
