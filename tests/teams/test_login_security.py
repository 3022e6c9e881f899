"""Login lockout (django-axes), session expiry after inactivity, and logging out everywhere."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from axes.models import AccessAttempt
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from teams.models import Role
from tests.factories import AgentFactory, TicketFactory

pytestmark = pytest.mark.django_db

PASSWORD = "pw-for-tests-1"


def _login(client, username, password, ip="10.1.0.1"):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip
    )


@pytest.fixture
def associate():
    return AgentFactory(role=Role.ASSOCIATE)


def _fail(client, username, times, ip="10.1.0.1"):
    """Wrong passwords; the one that reaches the limit already answers with the lockout."""
    for n in range(1, times + 1):
        status = _login(client, username, "wrong-password", ip).status_code
        assert status == (429 if n >= 5 else 200)


# --- lockout ----------------------------------------------------------------------------


def test_correct_password_is_refused_with_a_message_when_locked_after_five_failures(
    client, associate, settings
):
    assert settings.AXES_FAILURE_LIMIT == 5
    _fail(client, associate.user.username, 4)
    assert _login(client, associate.user.username, PASSWORD).status_code == 302  # 4 are fine
    client.logout()
    _fail(client, associate.user.username, 4)  # success cleared the count: 4 more are fine too

    response = _login(client, associate.user.username, "wrong-password")  # the fifth in a row

    assert response.status_code == 429
    page = response.content.decode()
    assert "Too many failed login attempts" in page
    assert "15 minutes" in page
    assert 'name="username"' in page
    assert associate.user.username in page
    response = _login(client, associate.user.username, PASSWORD)
    assert response.status_code == 429
    assert SESSION_KEY not in client.session


def test_a_locked_username_stays_locked_from_another_address(client, associate):
    for n in range(5):
        _login(client, associate.user.username, "wrong-password", ip=f"10.2.0.{n}")

    response = _login(client, associate.user.username, PASSWORD, ip="10.9.9.9")

    assert response.status_code == 429
    assert SESSION_KEY not in client.session


def test_an_address_is_locked_after_five_failures_across_usernames(client, associate):
    others = [AgentFactory().user.username for _ in range(5)]
    for username in others:
        _login(client, username, "wrong-password", ip="10.3.0.1")

    locked = _login(client, associate.user.username, PASSWORD, ip="10.3.0.1")
    elsewhere = _login(Client(), associate.user.username, PASSWORD, ip="10.3.0.2")

    assert locked.status_code == 429
    assert "Too many failed login attempts" in locked.content.decode()
    assert elsewhere.status_code == 302  # the user is not locked, only that address


def test_lockout_ends_after_the_cool_off(client, associate, settings):
    start = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False):
        _fail(client, associate.user.username, 5)
        assert _login(client, associate.user.username, PASSWORD).status_code == 429
    with time_machine.travel(start + settings.AXES_COOLOFF_TIME + timedelta(seconds=1)):
        assert _login(client, associate.user.username, PASSWORD).status_code == 302


def test_admin_unlocks_a_user_in_django_admin(client, associate):
    _fail(client, associate.user.username, 5)
    attempt = AccessAttempt.objects.get(username=associate.user.username)
    admin = Client()
    admin.force_login(AgentFactory(role=Role.ADMIN, team=None).user)
    listing = admin.get(reverse("admin:axes_accessattempt_changelist"))
    assert associate.user.username in listing.content.decode()

    admin.post(reverse("admin:axes_accessattempt_delete", args=[attempt.pk]), {"post": "yes"})

    assert _login(client, associate.user.username, PASSWORD).status_code == 302


def test_axes_reset_command_unlocks_everyone(client, associate):
    _fail(client, associate.user.username, 5)
    assert _login(client, associate.user.username, PASSWORD).status_code == 429

    call_command("axes_reset", verbosity=0)

    assert _login(client, associate.user.username, PASSWORD).status_code == 302


# --- inactivity ---------------------------------------------------------------------------


def test_session_survives_activity_and_ends_after_eight_idle_hours(client, associate, settings):
    assert settings.SESSION_COOKIE_AGE == 8 * 3600
    queue = reverse("tickets:queue")
    start = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False):
        assert _login(client, associate.user.username, PASSWORD).status_code == 302
        assert client.get(queue).status_code == 200
    # Each request renews the session: 7 h 59 min gaps never end it, 16 hours after login.
    for hours_later in (7, 14):
        with time_machine.travel(start + timedelta(hours=hours_later, minutes=59), tick=False):
            assert client.get(queue).status_code == 200
    last = start + timedelta(hours=14, minutes=59)
    with time_machine.travel(last + timedelta(hours=8, seconds=1), tick=False):
        response = client.get(queue)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert not Session.objects.filter(expire_date__gt=last + timedelta(hours=8, seconds=1)).exists()


def test_page_views_write_the_session_back_at_most_once_a_minute(client, associate):
    """A page view reads the session; the expiry is renewed (one write) once a minute."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    queue = reverse("tickets:queue")
    start = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False):
        assert _login(client, associate.user.username, PASSWORD).status_code == 302
        client.get(queue)
    soon = start + timedelta(seconds=30)
    with time_machine.travel(soon, tick=False), CaptureQueriesContext(connection) as quiet:
        assert client.get(queue).status_code == 200
    renewed_at = start + timedelta(seconds=75)
    with time_machine.travel(renewed_at, tick=False), CaptureQueriesContext(connection) as renewing:
        assert client.get(queue).status_code == 200

    def writes(ctx):
        return [
            q["sql"] for q in ctx.captured_queries if q["sql"].startswith('UPDATE "django_session')
        ]

    assert writes(quiet) == []
    assert len(writes(renewing)) == 1
    session = Session.objects.get(session_key=client.session.session_key)
    assert session.expire_date == renewed_at + timedelta(hours=8)


def test_workspace_heartbeats_do_not_keep_an_idle_session_alive(client, associate):
    ticket = TicketFactory(team=associate.team)
    heartbeat = reverse("tickets:presence", args=[ticket.pk])
    work = reverse("tickets:work", args=[ticket.pk])
    start = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False):
        assert _login(client, associate.user.username, PASSWORD).status_code == 302
        assert client.get(reverse("tickets:detail", args=[ticket.pk])).status_code == 200
    # The tab stays open and focused overnight: heartbeats every 10 minutes for 8 hours.
    for minutes in range(10, 8 * 60 + 1, 10):
        with time_machine.travel(start + timedelta(minutes=minutes), tick=False):
            assert client.post(heartbeat, headers={"HX-Request": "true"}).status_code == 200
            assert client.post(work).status_code == 204

    with time_machine.travel(start + timedelta(hours=8, minutes=5), tick=False):
        ended = client.post(heartbeat, headers={"HX-Request": "true"})
        page = client.get(reverse("tickets:queue"), follow=True)

    assert ended.status_code == 401
    assert ended["HX-Redirect"] == reverse("login")
    assert page.redirect_chain[-1][0].startswith(reverse("login"))
    assert SESSION_KEY not in client.session


# --- log out everywhere -------------------------------------------------------------------


def test_logout_everywhere_ends_every_session_of_the_user_and_only_theirs(associate):
    laptop, phone, colleague = Client(), Client(), Client()
    for c in (laptop, phone):
        assert _login(c, associate.user.username, PASSWORD).status_code == 302
    other = AgentFactory(role=Role.ASSOCIATE)
    assert _login(colleague, other.user.username, PASSWORD, ip="10.1.0.2").status_code == 302
    queue = reverse("tickets:queue")
    assert phone.get(queue).status_code == 200

    response = laptop.post(reverse("account:logout_everywhere"), follow=True)

    assert response.redirect_chain[-1][0] == reverse("login")
    assert "You are logged out everywhere (2 sessions ended)." in response.content.decode()
    for c in (laptop, phone):
        dead = c.get(queue)
        assert dead.status_code == 302
        assert dead["Location"].startswith(reverse("login"))
    assert colleague.get(queue).status_code == 200


def test_account_page_offers_logout_everywhere_and_names_the_idle_limit(client, associate):
    client.force_login(associate.user)

    page = client.get(reverse("account:index")).content.decode()

    assert "Log out everywhere" in page
    assert "after 8 hours without activity" in page


def test_behind_a_proxy_the_lockout_counts_the_forwarded_client_address(
    client, associate, settings
):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    others = [AgentFactory().user.username for _ in range(5)]
    for username in others:
        client.post(
            reverse("login"),
            {"username": username, "password": "wrong-password"},
            REMOTE_ADDR="10.0.0.254",  # the proxy
            HTTP_X_FORWARDED_FOR="203.0.113.7",
        )

    def login_from(forwarded):
        return Client().post(
            reverse("login"),
            {"username": associate.user.username, "password": PASSWORD},
            REMOTE_ADDR="10.0.0.254",
            HTTP_X_FORWARDED_FOR=forwarded,
        )

    assert login_from("203.0.113.7").status_code == 429
    assert login_from("198.51.100.9").status_code == 302  # same proxy, another client
