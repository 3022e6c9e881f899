"""Account security: two-factor enrolment and codes (django-otp), ending every session.

The authenticator is a django-otp TOTPDevice; recovery codes are the tokens of one StaticDevice
per user (each accepted once). Whether a user must have them is teams.permissions' business.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.cached_db import KEY_PREFIX
from django.contrib.sessions.models import Session
from django.core.cache import caches
from django.db import transaction
from django.utils import timezone
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from ..models import AuditEntry
from .audit import audit_record

AUTHENTICATOR_NAME = "Authenticator app"
RECOVERY_NAME = "Recovery codes"
_TOTP_CODE = re.compile(r"\d{6}")


class TwoFactorError(Exception):
    """A code was refused; `message` says why, in words for the person who typed it."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def two_factor_pending_device(*, user) -> TOTPDevice:
    """The authenticator being set up (unconfirmed), created with a fresh secret on first call.
    Its secret is shown for scanning until a code from the app confirms it."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=AUTHENTICATOR_NAME, confirmed=False)
    return device


def two_factor_confirm(*, user, device: TOTPDevice, code: str) -> list[str]:
    """Confirm the pending authenticator with a code it shows now. It replaces any earlier
    authenticator, and a fresh set of recovery codes is made and returned (shown once).
    Raises TwoFactorError when the code is refused."""
    if device.user_id != user.pk or device.confirmed:
        raise TwoFactorError("This setup has expired; start again.")
    _verify(device, _normalise(code))
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        return two_factor_recovery_codes_regenerate(user=user)


@transaction.atomic
def two_factor_recovery_codes_regenerate(*, user) -> list[str]:
    """Replace the user's recovery codes with a new set (earlier ones stop working)."""
    device, _ = StaticDevice.objects.get_or_create(
        user=user, defaults={"name": RECOVERY_NAME, "confirmed": True}
    )
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(settings.FRONTLINE["TWO_FACTOR_RECOVERY_CODES"])]  # fmt: skip
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def two_factor_check(*, user, code: str) -> Device:
    """The device that accepts `code` for this user: six digits go to the authenticator, anything
    else is tried as a recovery code (used up on success). Wrong codes slow further tries down
    (django-otp's throttling). Raises TwoFactorError when refused."""
    code = _normalise(code)
    model = TOTPDevice if _TOTP_CODE.fullmatch(code) else StaticDevice
    device = model.objects.filter(user=user, confirmed=True).first()
    try:
        if device is None:
            raise TwoFactorError(
                "That is not a code from your authenticator app."
                if model is StaticDevice
                else "No authenticator app is set up for this account."
            )
        _verify(device, code)
    except TwoFactorError as exc:
        # A refused second factor is a failed sign-in (or a failed re-check) in the audit trail:
        # someone who has the password is guessing codes.
        audit_record(
            actor=user,
            action=AuditEntry.Action.LOGIN_FAILED,
            target=user,
            detail={"step": "two-factor", "reason": exc.message},
        )
        raise
    return device


@transaction.atomic
def two_factor_disable(*, user) -> None:
    """Remove the user's authenticator and recovery codes. Sessions verified with them lose
    that status on their next request (django-otp checks the device still exists)."""
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()


def recovery_codes_left(*, user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def sessions_end_all(*, user) -> int:
    """End every session of this user on every browser and device (the database session
    store and its cache), the caller's included; returns how many were ended."""
    user_id = str(user.pk)
    keys = [
        session.session_key
        for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator()
        if session.get_decoded().get(SESSION_KEY) == user_id
    ]
    Session.objects.filter(session_key__in=keys).delete()
    # The session store reads through the cache (settings.SESSION_ENGINE): forget them there too.
    caches[settings.SESSION_CACHE_ALIAS].delete_many([KEY_PREFIX + key for key in keys])
    return len(keys)


def _normalise(code: str) -> str:
    return re.sub(r"[\s-]", "", code or "").lower()


def _verify(device: Device, code: str) -> None:
    """One throttled attempt on one device, under a row lock so two tries cannot both pass."""
    with transaction.atomic():
        locked = type(device).objects.select_for_update().get(pk=device.pk)
        allowed, info = locked.verify_is_allowed()
        if not allowed:
            raise TwoFactorError(_throttled(info))
        ok = locked.verify_token(code)
    if not ok:
        raise TwoFactorError("That code is not right. Check the time on your phone and try again.")
    device.refresh_from_db()


def _throttled(info: dict | None) -> str:
    until = (info or {}).get("locked_until")
    if until is None:
        return "Too many wrong codes. Wait a moment and try again."
    seconds = max(1, int((until - timezone.now()).total_seconds()) + 1)
    return f"Too many wrong codes. Wait {seconds} seconds and try again."
