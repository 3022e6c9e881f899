"""Two-factor sign-in: enrolment, the second login step, recovery codes, enforcement by role.

Every test here runs with enforcement on, exactly as in production (`two_factor_enforced`).
"""

from base64 import b32encode
from datetime import UTC, datetime, timedelta
from io import StringIO

import pyotp
import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from teams.models import AuditEntry, Role
from teams.services import api_token_create, two_factor_confirm, two_factor_pending_device
from tests.factories import AgentFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("two_factor_enforced")]

PASSWORD = "pw-for-tests-1"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ENROL = reverse("account:two_factor")
VERIFY = reverse("account:two_factor_verify")


def _code(device, at=None) -> str:
    totp = pyotp.TOTP(b32encode(device.bin_key).decode())
    return totp.at(at) if at is not None else totp.now()


def _password_login(client, user):
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302, "password step failed"
    return response


def _enrolled(user) -> tuple[TOTPDevice, list[str]]:
    """A confirmed authenticator made the way the page makes it (code from 30 s earlier)."""
    device = two_factor_pending_device(user=user)
    codes = two_factor_confirm(user=user, device=device, code=_code(device))
    device.refresh_from_db()
    return device, codes


def _signed_in(client, user) -> tuple[TOTPDevice, list[str]]:
    """Enrolled at T0, then logged in with the password and a code a minute later."""
    with time_machine.travel(T0, tick=False):
        device, codes = _enrolled(user)
        _password_login(client, user)
    with time_machine.travel(T0 + timedelta(minutes=1), tick=False):
        assert client.post(VERIFY, {"code": _code(device)}).status_code == 302
    return device, codes


@pytest.fixture
def lead():
    return AgentFactory(role=Role.LEAD).user


@pytest.fixture
def associate():
    return AgentFactory(role=Role.ASSOCIATE).user


# --- enforcement by role -------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.LEAD, Role.MANAGER, Role.QA_ANALYST, Role.ADMIN])
def test_required_role_is_sent_to_enrolment_and_reaches_nothing_else_when_not_enrolled(
    client, role
):
    user = AgentFactory(role=role, **({"team": None} if role == Role.ADMIN else {})).user
    _password_login(client, user)

    home = client.get("/")
    assert home.status_code == 302
    assert home["Location"] == f"{ENROL}?next=%2F"
    for path in ("/metrics/team/", "/metrics/overview/", "/teams/", "/tickets/", "/admin/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith(ENROL), path
    api = client.get(reverse("api-me"))
    assert api.status_code == 403
    assert "Two-factor sign-in required" in api.json()["detail"]
    htmx = client.get("/tickets/", headers={"HX-Request": "true"})
    assert htmx.status_code == 403
    assert htmx["HX-Redirect"].startswith(ENROL)
    assert client.post(reverse("teams:presence"), {"status": "available"}).status_code == 302
    page = client.get(ENROL)
    assert page.status_code == 200
    assert "Your role requires a second sign-in step" in page.content.decode()


def test_associate_is_not_asked_for_a_second_factor_by_default(client, associate):
    _password_login(client, associate)

    assert client.get("/").url == reverse("tickets:queue")
    assert client.get(reverse("tickets:queue")).status_code == 200
    assert client.get(reverse("api-me")).status_code == 200


def test_associate_is_sent_to_enrolment_when_the_setting_requires_it(client, associate, settings):
    settings.FRONTLINE = {**settings.FRONTLINE, "TWO_FACTOR_FOR_ASSOCIATES": True}
    _password_login(client, associate)

    response = client.get(reverse("tickets:queue"))

    assert response.status_code == 302
    assert response["Location"].startswith(ENROL)
    assert client.get(reverse("api-me")).status_code == 403


def test_api_token_calls_are_left_to_token_auth(lead):
    _token, key = api_token_create(user=lead, name="Reporting", scope="read", days=30)

    response = Client().get(reverse("api-me"), headers={"Authorization": f"Token {key}"})

    assert response.status_code == 200


# --- enrolment ------------------------------------------------------------------------------


def test_enrolment_shows_qr_and_secret_refuses_a_wrong_code_and_shows_codes_once(client, lead):
    with time_machine.travel(T0, tick=False):
        _password_login(client, lead)
        page = client.get(f"{ENROL}?next=/metrics/team/").content.decode()
        device = TOTPDevice.objects.get(user=lead, confirmed=False)
        secret = b32encode(device.bin_key).decode().rstrip("=")
        assert "<svg" in page
        assert 'aria-label="QR code for your authenticator app"' in page
        assert secret in page.replace(" ", "")  # shown in groups of four for typing in
        assert "<script" not in page.split("<main", 1)[1]

        wrong = client.post(ENROL, {"code": "000000", "next": "/metrics/team/"})
        assert wrong.status_code == 200
        assert "That code is not right" in wrong.content.decode()
        device.refresh_from_db()
        assert not device.confirmed
        assert client.get("/metrics/team/").status_code == 302  # still held at enrolment

    with time_machine.travel(T0 + timedelta(seconds=5), tick=False):
        done = client.post(ENROL, {"code": _code(device), "next": "/metrics/team/"})
        assert done.status_code == 302
        assert (
            done["Location"] == reverse("account:two_factor_codes") + "?next=%2Fmetrics%2Fteam%2F"
        )
        codes_page = client.get(done["Location"]).content.decode()
        assert codes_page.count("<li><code>") == 10
        assert "They are shown only now" in codes_page
        assert 'href="/metrics/team/"' in codes_page
        again = client.get(done["Location"]).content.decode()
        assert "<li><code>" not in again
        assert "shown only once" in again
        assert client.get("/metrics/team/").status_code == 200  # this session is verified
    device.refresh_from_db()
    assert device.confirmed


def test_pending_secret_is_kept_until_confirmed_so_a_reload_shows_the_same_qr(client, lead):
    client.force_login(lead)
    client.get(ENROL)
    client.get(ENROL)

    assert TOTPDevice.objects.filter(user=lead).count() == 1


# --- the second login step ----------------------------------------------------------------


def test_enrolled_lead_must_enter_a_code_after_the_password_and_a_wrong_one_is_refused(
    client, lead
):
    with time_machine.travel(T0, tick=False):
        device, _ = _enrolled(lead)
    with time_machine.travel(T0 + timedelta(minutes=5), tick=False):
        response = client.post(
            reverse("login"),
            {"username": lead.username, "password": PASSWORD, "next": "/metrics/team/"},
        )
        assert response["Location"] == "/metrics/team/"
        held = client.get("/metrics/team/")
        assert held["Location"] == f"{VERIFY}?next=%2Fmetrics%2Fteam%2F"
        assert client.get(ENROL)["Location"].startswith(VERIFY)  # no re-enrolment around it

        wrong = client.post(VERIFY, {"code": "123456", "next": "/metrics/team/"})
        assert wrong.status_code == 200
        assert "That code is not right" in wrong.content.decode()
        failed = AuditEntry.objects.get(action=AuditEntry.Action.LOGIN_FAILED, actor=lead)
        assert failed.detail == {"step": "two-factor", "reason": "That code is not right. Check the time on your phone and try again."}  # fmt: skip
        assert client.get("/metrics/team/").status_code == 302

        throttled = client.post(VERIFY, {"code": _code(device), "next": "/metrics/team/"})
        assert "Too many wrong codes" in throttled.content.decode()  # back-off after a miss

    with time_machine.travel(T0 + timedelta(minutes=5, seconds=3), tick=False):
        ok = client.post(VERIFY, {"code": _code(device), "next": "/metrics/team/"})
        assert ok.status_code == 302
        assert ok["Location"] == "/metrics/team/"
        assert client.get("/metrics/team/").status_code == 200


def test_a_code_cannot_be_used_twice(lead):
    with time_machine.travel(T0, tick=False):
        device, _ = _enrolled(lead)
    with time_machine.travel(T0 + timedelta(minutes=1), tick=False):
        first, second = Client(), Client()
        code = _code(device)
        for c in (first, second):
            _password_login(c, lead)
        assert first.post(VERIFY, {"code": code})["Location"] == "/"
        replay = second.post(VERIFY, {"code": code})
        assert replay.status_code == 200
        assert "That code is not right" in replay.content.decode()


def test_recovery_code_signs_in_once(lead):
    with time_machine.travel(T0, tick=False):
        _device, codes = _enrolled(lead)
    first, second = Client(), Client()
    _password_login(first, lead)

    used = first.post(VERIFY, {"code": codes[0].upper()}, follow=True)  # case and spaces forgiven

    assert used.redirect_chain[-1][0] == reverse("metrics:team_dashboard")
    assert "You used a recovery code; 9 left" in used.content.decode()
    _password_login(second, lead)
    refused = second.post(VERIFY, {"code": codes[0]})
    assert refused.status_code == 200
    assert "That code is not right" in refused.content.decode()


def test_verify_page_sends_a_verified_session_on(client, lead):
    _signed_in(client, lead)
    with time_machine.travel(T0 + timedelta(minutes=2), tick=False):
        assert client.get(f"{VERIFY}?next=/teams/")["Location"] == "/teams/"
        assert client.get(f"{VERIFY}?next=https://evil.example/")["Location"] == "/"


# --- managing the authenticator -----------------------------------------------------------


def test_regenerating_codes_needs_a_code_and_retires_the_old_ones(client, lead):
    device, old = _signed_in(client, lead)
    with time_machine.travel(T0 + timedelta(minutes=1), tick=False):
        refused = client.post(reverse("account:two_factor_regenerate"), {"code": "999999"})
        assert refused.status_code == 400
    with time_machine.travel(T0 + timedelta(minutes=2), tick=False):
        response = client.post(reverse("account:two_factor_regenerate"), {"code": _code(device)})
        page = client.get(response["Location"]).content.decode()

    assert page.count("<li><code>") == 10
    assert not any(code in page for code in old)
    other = Client()
    _password_login(other, lead)
    assert other.post(VERIFY, {"code": old[1]}).status_code == 200  # refused: old set is gone


def test_associate_turns_two_factor_off(client, associate):
    with time_machine.travel(T0, tick=False):
        device, _ = _enrolled(associate)
        _password_login(client, associate)
        assert client.get("/tickets/")["Location"].startswith(VERIFY)  # opted in: asked too
    with time_machine.travel(T0 + timedelta(minutes=1), tick=False):
        client.post(VERIFY, {"code": _code(device)})
    with time_machine.travel(T0 + timedelta(minutes=2), tick=False):
        off = client.post(reverse("account:two_factor_disable"), {"code": _code(device)})
        assert off["Location"] == ENROL
        assert not TOTPDevice.objects.filter(user=associate).exists()
        assert client.get("/tickets/").status_code == 200
        assert "Turn on two-factor sign-in" in client.get(ENROL).content.decode()


def test_lead_replacing_the_authenticator_is_sent_to_set_up_a_new_one(client, lead):
    device, _ = _signed_in(client, lead)
    with time_machine.travel(T0 + timedelta(minutes=2), tick=False):
        client.post(reverse("account:two_factor_disable"), {"code": _code(device)})
        assert client.get("/metrics/team/")["Location"].startswith(ENROL)


# --- Django admin ---------------------------------------------------------------------------


def test_django_admin_needs_the_second_factor(client):
    admin = AgentFactory(role=Role.ADMIN, team=None).user
    with time_machine.travel(T0, tick=False):
        device, _ = _enrolled(admin)
        _password_login(client, admin)
        held = client.get("/admin/")
        assert held.status_code == 302
        assert held["Location"].startswith(VERIFY)
        assert client.get("/admin/login/?next=/admin/")["Location"].startswith(VERIFY)
    with time_machine.travel(T0 + timedelta(minutes=1), tick=False):
        client.post(VERIFY, {"code": _code(device), "next": "/admin/"})
        assert client.get("/admin/").status_code == 200
        assert client.get("/admin/login/")["Location"] == "/admin/"


def test_admin_login_page_is_the_app_login(client):
    response = client.get("/admin/login/?next=/admin/")

    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/admin/"


def test_admin_lists_devices_but_never_shows_a_secret(client):
    admin = AgentFactory(role=Role.ADMIN, team=None).user
    lead = AgentFactory(role=Role.LEAD).user
    with time_machine.travel(T0, tick=False):
        device, codes = _enrolled(lead)
        _enrolled(admin)
        _password_login(client, admin)
    with time_machine.travel(T0 + timedelta(minutes=1), tick=False):
        client.post(VERIFY, {"code": _code(TOTPDevice.objects.get(user=admin))})
        page = client.get(reverse("admin:otp_totp_totpdevice_change", args=[device.pk]))
        static = client.get(reverse("admin:otp_static_staticdevice_changelist"))

        config = client.get(reverse("admin:otp_totp_totpdevice_config", args=[device.pk]))

    assert page.status_code == 200
    assert device.key not in page.content.decode()
    assert lead.username in static.content.decode()
    assert not any(code in static.content.decode() for code in codes)
    assert config.status_code == 403


# --- the demo -------------------------------------------------------------------------------


def test_demo_totp_code_prints_the_code_the_enrolment_page_accepts(client, lead, settings):
    settings.DEBUG = True
    out = StringIO()
    with time_machine.travel(T0, tick=False):
        _password_login(client, lead)
        client.get(ENROL)
        call_command("demo_totp_code", lead.username, stdout=out)
        response = client.post(ENROL, {"code": out.getvalue().strip()})

    assert response.status_code == 302
    assert TOTPDevice.objects.get(user=lead).confirmed


def test_demo_totp_code_refuses_without_debug(lead, settings):
    settings.DEBUG = False
    two_factor_pending_device(user=lead)

    with pytest.raises(CommandError, match="only with DEBUG=1"):
        call_command("demo_totp_code", lead.username)
