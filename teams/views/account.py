"""The signed-in person's account: two-factor sign-in, sessions, and the login lockout page."""

from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from .. import permissions, services
from ..forms import TwoFactorCodeForm
from ..otp import totp_qr_svg, totp_secret_text

_CODES_SESSION_KEY = "two_factor_new_codes"


@login_required
def account_view(request):
    """The account page: links to each section and the session controls."""
    context = {
        "two_factor_on": TOTPDevice.objects.filter(user=request.user, confirmed=True).exists(),
        "two_factor_required": permissions.two_factor_required(request.user),
        "idle_hours": round(settings.SESSION_COOKIE_AGE / 3600, 1),
    }
    return render(request, "teams/account/index.html", context)


@never_cache
@login_required
def two_factor_view(request):
    """Set up an authenticator (QR code, secret, confirm with a code), or manage the one set up."""
    if TOTPDevice.objects.filter(user=request.user, confirmed=True).exists():
        return _manage_page(request, TwoFactorCodeForm())

    pending = services.two_factor_pending_device(user=request.user)
    form = TwoFactorCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = services.two_factor_confirm(
                user=request.user, device=pending, code=form.cleaned_data["code"]
            )
        except services.TwoFactorError as exc:
            form.add_error("code", exc.message)
        else:
            _verified(request, pending)
            request.session[_CODES_SESSION_KEY] = codes
            messages.success(request, "Two-factor sign-in is on.")
            return redirect(_with_next(reverse("account:two_factor_codes"), request))
    context = {
        "pending": pending,
        "qr_svg": totp_qr_svg(pending.config_url),
        "secret": totp_secret_text(pending.bin_key),
        "form": form,
        "required": permissions.two_factor_required(request.user),
        "next": _next(request, default=""),
    }
    return render(request, "teams/account/two_factor_setup.html", context)


@never_cache
@login_required
def two_factor_codes_view(request):
    """New recovery codes, shown once: they leave the session as this page renders."""
    codes = request.session.pop(_CODES_SESSION_KEY, None)
    context = {"codes": codes, "next": _next(request, default="")}
    return render(request, "teams/account/recovery_codes.html", context)


def _needs_current_code(action):
    """A POST that changes the second factor runs only after a current code (from the app, or
    a recovery code); a refused one shows the manage page again with the reason (400)."""

    @wraps(action)
    @require_POST
    @login_required
    def view(request):
        form = TwoFactorCodeForm(request.POST)
        if not form.is_valid():
            return _manage_page(request, form, status=400)
        try:
            services.two_factor_check(user=request.user, code=form.cleaned_data["code"])
        except services.TwoFactorError as exc:
            form.add_error("code", exc.message)
            return _manage_page(request, form, status=400)
        return action(request)

    return view


@_needs_current_code
def two_factor_regenerate_view(request):
    """New recovery codes (the old ones stop working)."""
    request.session[_CODES_SESSION_KEY] = services.two_factor_recovery_codes_regenerate(
        user=request.user
    )
    return redirect("account:two_factor_codes")


@_needs_current_code
def two_factor_disable_view(request):
    """Turn two-factor sign-in off (or, where it is required, start over with a new phone)."""
    services.two_factor_disable(user=request.user)
    if permissions.two_factor_required(request.user):
        messages.info(request, "Your authenticator was removed. Set up the new one now.")
    else:
        messages.success(request, "Two-factor sign-in is off.")
    return redirect("account:two_factor")


@never_cache
@login_required
def two_factor_verify_view(request):
    """The second sign-in step: a code from the authenticator app or one recovery code."""
    if permissions.two_factor_step(request.user) != permissions.VERIFY:
        return redirect(_next(request))
    form = TwoFactorCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = services.two_factor_check(user=request.user, code=form.cleaned_data["code"])
        except services.TwoFactorError as exc:
            form.add_error("code", exc.message)
        else:
            _verified(request, device)
            if device.persistent_id.startswith("otp_static"):
                left = services.recovery_codes_left(user=request.user)
                messages.warning(
                    request,
                    f"You used a recovery code; {left} left. Make new ones on your account page.",
                )
            return redirect(_next(request))
    return render(request, "teams/account/two_factor_verify.html", {"form": form, "next": _next(request, default="")})  # fmt: skip


@require_POST
@login_required
def logout_everywhere_view(request):
    """End every session of this user, on every device, this one included."""
    ended = services.sessions_end_all(user=request.user)
    logout(request)
    messages.success(request, f"You are logged out everywhere ({ended} session{'s' if ended != 1 else ''} ended).")  # fmt: skip
    return redirect("login")


def lockout_response(request, original_response=None, credentials=None):
    """django-axes' lockout page: the login form again, with a message that says what happened
    and for how long (HTTP 429)."""
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    context = {
        "form": AuthenticationForm(request, initial={"username": username}),
        "locked_out": True,
        "cooloff_minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
        "next": request.POST.get("next", ""),
    }
    return render(request, "registration/login.html", context, status=429)


def _verified(request, device) -> None:
    """Mark this session as having passed the second factor, under a new session key."""
    otp_login(request, device)
    request.session.cycle_key()


def _manage_page(request, form, status=200):
    """The page of someone whose authenticator is set up (back to setup if it is not)."""
    device = TOTPDevice.objects.filter(user=request.user, confirmed=True).first()
    if device is None:
        return redirect("account:two_factor")
    context = {
        "device": device,
        "codes_left": services.recovery_codes_left(user=request.user),
        "required": permissions.two_factor_required(request.user),
        "form": form,
    }
    return render(request, "teams/account/two_factor.html", context, status=status)


def _next(request, default=None) -> str:
    """A safe local `next` from the query or form, else the user's home."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("home") if default is None else default


def _with_next(url: str, request) -> str:
    target = _next(request, default="")
    return f"{url}?{urlencode({'next': target})}" if target else url
