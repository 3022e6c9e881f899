"""Never a 500 from a setting: values stored before validation existed are skipped with a safe
fallback and reported to the admins once; the models refuse them (Django admin too); webhook
URLs to internal addresses are refused when saved and again when sent."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from teams.models import Role
from tests.factories import AgentFactory, TicketFactory, UserFactory
from tests.tickets.test_webhooks import Receiver
from tickets.forms import HelpForm
from tickets.models import (
    BusinessHours,
    Notification,
    SLAPolicy,
    TeamServiceSettings,
    Ticket,
    WebhookDelivery,
    WebhookEndpoint,
)
from tickets.services.sla_targets import targets_for, team_calendar
from tickets.services.webhooks import webhook_endpoint_create
from tickets.services.webhooks.delivery import webhook_attempt

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def admin_user(db):
    return AgentFactory(role=Role.ADMIN, user__is_superuser=True, user__email="root@x.org").user


@pytest.fixture
def broken_hours(team):
    """What issue 19 describes: typed in Django admin before any check existed."""
    hours = BusinessHours.objects.create(name="Typed by hand", weekly={"mon": ["09:00", "17:00"]})
    TeamServiceSettings.objects.create(team=team, business_hours=hours)
    return hours


def _help_form(category):
    return {
        "email": "sam@users.example.org",
        "name": "Sam Park",
        "category": category.slug,
        "subject": "Code never arrives",
        "description": "I asked three times.",
        "nonce": HelpForm.new_nonce(),
    }


def test_help_form_works_when_team_hours_are_invalid_and_admins_are_told_once(
    client, category, team, broken_hours, admin_user, settings, django_capture_on_commit_callbacks
):
    settings.FRONTLINE = {**settings.FRONTLINE, "WEBHOOK_ALLOW_PRIVATE_ADDRESSES": True}
    receiver = Receiver()
    try:
        webhook_endpoint_create(by=None, url=receiver.url, events=["ticket.created"])
        team.categories = [category.slug]
        team.save()
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("help:form"), _help_form(category))
        assert response.status_code == 302
        ticket = Ticket.objects.get()
        assert ticket.team == team
        # Counted 24/7 meanwhile: the default first-reply target in calendar minutes.
        assert ticket.due_at is not None
        # The confirmation mail and the webhook went out (the tasks ran and succeeded).
        assert any(ticket.reference in m.subject for m in mail.outbox)
        assert WebhookDelivery.objects.get().status == WebhookDelivery.Status.SUCCEEDED
        assert len(receiver.requests) == 1
    finally:
        receiver.close()
    notice = Notification.objects.get(user=admin_user, kind="setting_invalid")
    assert "Typed by hand" in notice.text
    assert "weekday, start minute, end minute" in notice.text
    # A second ticket: no second notice.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("help:form"), _help_form(category))
    assert Ticket.objects.count() == 2
    assert Notification.objects.filter(kind="setting_invalid").count() == 1


def test_invalid_stored_policy_is_skipped_for_the_next_one(team, category, admin_user):
    SLAPolicy.objects.create(
        name="Typed codes", position=0, priorities=["high"], resolution_minutes=5
    )
    SLAPolicy.objects.create(name="Good", position=1, first_reply_minutes=30)
    ticket = TicketFactory(team=team, category=category)
    targets = targets_for(ticket)
    assert targets.policy.name == "Good"
    assert "Typed codes" in Notification.objects.get(user=admin_user).text


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("weekly", {"mon": ["09:00", "17:00"]}, "list of [weekday, start minute, end minute]"),
        ("weekly", [[0, 1020, 540]], "opening time must come before the closing time"),
        ("weekly", [[0, 540, 720], [0, 700, 800]], "overlap on Monday"),
        ("time_zone", "Mars/Olympus", "not a known time zone"),
        ("custom_holidays", ["24.12.2026"], "YYYY-MM-DD"),
        ("holiday_country", "ZZ", "country the holiday calendar knows"),
    ],
)
def test_business_hours_model_refuses_bad_values(field, value, message):
    hours = BusinessHours(name="X", **{"weekly": [[0, 540, 1020]], field: value})
    with pytest.raises(ValidationError) as caught:
        hours.full_clean()
    assert message in str(caught.value.message_dict[field])


def test_django_admin_uses_the_same_validation(client, admin_user):
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:tickets_businesshours_add"),
        {
            "name": "Berlin",
            "time_zone": "Europe/Berlin",
            "weekly": '{"mon": ["09:00","17:00"]}',
            "custom_holidays": "[]",
        },
    )
    assert response.status_code == 200
    assert "weekday, start minute, end minute" in response.content.decode()
    assert not BusinessHours.objects.exists()


def test_sla_policy_model_refuses_typed_codes():
    policy = SLAPolicy(name="X", priorities=["urgent"], channels=["fax"], first_reply_minutes=5)
    with pytest.raises(ValidationError) as caught:
        policy.full_clean()
    assert set(caught.value.message_dict) == {"priorities", "channels"}


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/hook",
        "http://localhost/hook",
        "http://10.0.0.5/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/hook",
        "http://[::ffff:192.168.1.1]/hook",
    ],
)
def test_webhook_urls_to_internal_addresses_are_refused(url):
    with pytest.raises(ValidationError, match="refused"):
        webhook_endpoint_create(by=None, url=url, events=["ticket.created"])
    with pytest.raises(ValidationError):
        WebhookEndpoint(url=url, secret="s", events=["ticket.created"]).full_clean()


def test_a_name_resolving_to_loopback_is_refused_when_each_delivery_is_sent(
    monkeypatch, admin_user
):
    endpoint = WebhookEndpoint.objects.create(
        url="https://hooks.example.org/x", secret="s", events=["ticket.created"]
    )
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint, event="ticket.created", payload={"a": 1}, created_at="2026-12-01T10:00Z"
    )
    # The name resolves to a loopback address at send time (a DNS change after saving).
    monkeypatch.setattr(
        "core.netguard.socket.getaddrinfo",
        lambda host, port, **kw: [(2, 1, 6, "", ("127.0.0.1", port))],
    )
    result = webhook_attempt(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert result.retry_in is None
    assert delivery.status == WebhookDelivery.Status.FAILED
    assert "refused" in delivery.last_error
    assert "127.0.0.1" in delivery.last_error
    assert "hooks.example.org" in Notification.objects.get(user=admin_user).text


def test_other_people_are_not_told_about_bad_settings(team, category, broken_hours, admin_user):
    associate = UserFactory()
    AgentFactory(user=associate, team=team)
    cal = team_calendar(team.pk, timezone.now())
    assert cal.always_open
    assert list(Notification.objects.values_list("user_id", flat=True)) == [admin_user.pk]


def test_admin_fixes_a_calendar_stored_invalid_from_the_settings_page(
    client, admin_user, team, broken_hours, django_capture_on_commit_callbacks
):
    client.force_login(admin_user)
    page = client.get(reverse("settings:hours_edit", args=[broken_hours.pk]))
    assert page.status_code == 200
    data = {"name": "Typed by hand", "time_zone": "UTC", "teams": [team.pk], "region_of": ""}
    data.update({"d0_0_open": "09:00", "d0_0_close": "17:00"})
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("settings:hours_edit", args=[broken_hours.pk]), data)
    assert response.status_code == 302
    broken_hours.refresh_from_db()
    assert broken_hours.weekly == [[0, 540, 1020]]
    assert not team_calendar(team.pk, timezone.now()).always_open
